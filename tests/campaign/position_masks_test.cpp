// Position bitmaps of fast mode (src/campaign/position_masks.h) against plain loops.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "campaign/position_masks.h"

namespace faultbench::campaign_detail {
namespace {

bool bit(const std::vector<uint64_t>& m, int64_t p) { return (m[size_t(p / 64)] >> (p % 64)) & 1u; }

TEST(PositionMasks, DilateEqualsWindowScan) {
  struct Geo {
    int in_h, in_w, kernel, stride, padding;
  };
  // ResNet's 3x3 s1 and s2, 1x1, 5x5, a map wider than 64 (the generic loop), odd sizes.
  const Geo geos[] = {{8, 8, 3, 1, 1},   {16, 16, 3, 2, 1}, {32, 32, 3, 1, 1}, {8, 8, 1, 1, 0},
                      {13, 13, 5, 2, 2}, {70, 70, 3, 1, 1}, {7, 9, 3, 2, 0}};
  std::mt19937 rng(4);
  for (const Geo& g : geos) {
    const int out_h = (g.in_h + 2 * g.padding - g.kernel) / g.stride + 1;
    const int out_w = (g.in_w + 2 * g.padding - g.kernel) / g.stride + 1;
    for (const double density : {0.0, 0.02, 0.2, 0.7}) {
      std::vector<uint64_t> in(size_t(mask_words(int64_t(g.in_h) * g.in_w)), 0);
      std::bernoulli_distribution on(density);
      for (int64_t p = 0; p < int64_t(g.in_h) * g.in_w; ++p)
        if (on(rng)) in[size_t(p / 64)] |= uint64_t(1) << (p % 64);
      std::vector<uint64_t> out(size_t(mask_words(int64_t(out_h) * out_w)), ~uint64_t(0));
      dilate(in.data(), g.in_h, g.in_w, Window2d::square(g.kernel, g.stride, g.padding), out_h, out_w, out.data());
      for (int oh = 0; oh < out_h; ++oh)
        for (int ow = 0; ow < out_w; ++ow) {
          bool want = false;
          for (int kh = 0; kh < g.kernel; ++kh)
            for (int kw = 0; kw < g.kernel; ++kw) {
              const int ih = oh * g.stride - g.padding + kh, iw = ow * g.stride - g.padding + kw;
              if (ih >= 0 && ih < g.in_h && iw >= 0 && iw < g.in_w) want = want || bit(in, int64_t(ih) * g.in_w + iw);
            }
          ASSERT_EQ(bit(out, int64_t(oh) * out_w + ow), want)
              << g.in_h << "x" << g.in_w << " k" << g.kernel << " s" << g.stride << " at " << oh << "," << ow;
        }
      // Bits past the last position stay clear.
      for (int64_t p = int64_t(out_h) * out_w; p < int64_t(out.size()) * 64; ++p) ASSERT_FALSE(bit(out, p));
    }
  }
}

TEST(PositionMasks, MarkChangedIsBitwisePerPosition) {
  const int channels = 3;
  for (const int64_t positions : {int64_t(1), int64_t(17), int64_t(64), int64_t(100)}) {
    std::vector<float> g(size_t(channels * positions), 1.0f), a = g;
    std::vector<uint64_t> bits(size_t(mask_words(positions)), ~uint64_t(0));
    EXPECT_FALSE(mark_changed(a.data(), g.data(), channels, positions, bits.data()));
    for (uint64_t w : bits) EXPECT_EQ(w, 0u);
    // -0 against +0 and one NaN payload against another count as changes.
    g[size_t(positions - 1)] = 0.0f;
    a[size_t(positions - 1)] = -0.0f;
    a[size_t(2 * positions)] = 2.0f;  // channel 2, position 0
    EXPECT_TRUE(mark_changed(a.data(), g.data(), channels, positions, bits.data()));
    for (int64_t p = 0; p < positions; ++p) EXPECT_EQ(bit(bits, p), p == 0 || p == positions - 1) << p;
  }
}

}  // namespace
}  // namespace faultbench::campaign_detail
