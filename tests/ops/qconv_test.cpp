// The int8 conv (ops/qconv.h) and the other int8 operators (ops/qelementwise.h): every
// optimized path, under every SIMD target this CPU runs, gives qconv_reference's bits, and
// the path that ran is the one expected (vpmaddubsw on ReLU outputs, vpmaddwd on signed
// inputs, VNNI where the CPU has it). The requantization's rounding and saturation rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "faultbench/ops/qconv.h"
#include "faultbench/ops/qelementwise.h"
#include "faultbench/ops/simd_target.h"
#include "faultbench/util/parallel.h"

namespace faultbench {
namespace {

using ops::QConvPath;

std::vector<float> codes(size_t n, uint32_t seed, int lo, int hi) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = float(d(rng));
  return v;
}

struct Case {
  const char* name;
  ops::Conv2dShape shape;
  bool x_unsigned;
  bool dequantize;
};

QConvPath expected_path(ops::SimdTarget t, bool x_unsigned) {
  switch (t) {
    case ops::SimdTarget::kAvx512:
      if (!x_unsigned) return QConvPath::Avx512Madd16;
      return ops::qconv_vnni_usable() ? QConvPath::Avx512Vnni : QConvPath::Avx512Maddubs;
    case ops::SimdTarget::kAvx2: return x_unsigned ? QConvPath::Avx2Maddubs : QConvPath::Avx2Madd16;
    default: return QConvPath::Scalar;
  }
}

TEST(QConv, EveryPathEqualsTheReferenceBitwise) {
  const Case cases[] = {
      {"image 3->16 3x3 pad 1", ops::conv2d_shape(3, 3, 9, 7, 16, 9, 7, Window2d::square(3, 1, 1), 1), false, false},
      {"relu 16->20 3x3 stride 2", ops::conv2d_shape(2, 16, 8, 8, 20, 4, 4, Window2d::square(3, 2, 1), 1), true, false},
      {"relu 64->17 3x3 (K = 576)", ops::conv2d_shape(1, 64, 5, 5, 17, 5, 5, Window2d::square(3, 1, 1), 1), true,
       false},
      // Tiles of several channel vectors (up to 4: 64 channels under AVX-512), and 3.
      {"relu 8->64 3x3", ops::conv2d_shape(1, 8, 5, 5, 64, 5, 5, Window2d::square(3, 1, 1), 1), true, false},
      {"signed 6->40 3x3", ops::conv2d_shape(1, 6, 4, 4, 40, 4, 4, Window2d::square(3, 1, 1), 1), false, false},
      {"grouped 8->8 groups 4", ops::conv2d_shape(2, 8, 6, 6, 8, 6, 6, Window2d::square(3, 1, 1), 4), true, false},
      {"depthwise signed", ops::conv2d_shape(1, 5, 6, 6, 5, 6, 6, Window2d::square(3, 1, 1), 5), false, false},
      {"rect dilated", ops::conv2d_shape(1, 6, 9, 8, 9, 7, 7, Window2d{3, 2, 1, 1, 2, 1, 1, 0, 1, 0}, 1), true, false},
      {"linear 70->10 dequantized", ops::conv2d_shape(5, 70, 1, 1, 10, 1, 1, Window2d{}, 1), true, true},
  };
  ThreadPool pool(2);
  int saturated = 0;
  for (const Case& c : cases) {
    const ops::Conv2dShape& s = c.shape;
    const Window2d w = s.window();
    const int64_t wn = int64_t(s.out_c) * (s.in_c / s.groups) * w.kernel_h * w.kernel_w;
    // Weights over the whole int8 range (-128: a flipped sign bit); inputs at the bounds of
    // their range often, so that vpmaddubsw's pair sums come near int16's limit.
    std::vector<int8_t> weight(static_cast<size_t>(wn));
    const std::vector<float> wc = codes(size_t(wn), 3, -128, 127);
    for (size_t i = 0; i < weight.size(); ++i) weight[i] = int8_t(i % 5 == 0 ? -128 : int(wc[i]));
    std::vector<float> x = codes(size_t(s.batch) * s.in_c * s.in_h * s.in_w, 5, c.x_unsigned ? 0 : -128, 127);
    for (size_t i = 0; i < x.size(); i += 3) x[i] = c.x_unsigned ? 127.0f : -128.0f;
    std::vector<int32_t> bias(size_t(s.out_c));
    for (int i = 0; i < s.out_c; ++i) bias[size_t(i)] = (i - 3) * 9001;
    std::vector<float> mult(size_t(s.out_c));
    for (int i = 0; i < s.out_c; ++i) mult[size_t(i)] = 0.0007f * float(i + 1);
    const ops::QRequant r{bias.data(), mult.data(), c.x_unsigned, c.dequantize};
    const size_t yn = size_t(s.batch) * s.out_c * s.out_h * s.out_w;
    std::vector<float> ref(yn), got(yn);
    ops::qconv_reference(s, x.data(), weight.data(), r, ref.data());
    for (float v : ref) saturated += !c.dequantize && (v == 127.0f || v == -128.0f);
    for (ops::SimdTarget t : ops::simd_targets_supported()) {
      ops::set_simd_target(t);
      for (bool vnni : {true, false}) {
        ops::qconv_allow_vnni(vnni);
        const ops::QConvPacked pack = ops::qconv_pack(s, weight.data());
        for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
          std::fill(got.begin(), got.end(), -1.0f);
          const QConvPath path = ops::qconv_optimized(s, x.data(), pack, r, got.data(), p, c.x_unsigned);
          EXPECT_EQ(path, expected_path(t, c.x_unsigned)) << c.name << " " << ops::simd_target_name(t);
          EXPECT_EQ(path, ops::choose_qconv_path(c.x_unsigned));
          ASSERT_EQ(0, std::memcmp(ref.data(), got.data(), yn * sizeof(float)))
              << c.name << ": " << ops::qconv_path_name(path) << " differs from the reference";
        }
      }
      ops::qconv_allow_vnni(true);
    }
    ops::reset_simd_target();
  }
  EXPECT_GT(saturated, 0) << "no output reaches the saturation";
}

TEST(QConv, PackSetEqualsAFreshPack) {
  const ops::Conv2dShape s = ops::conv2d_shape(1, 6, 5, 5, 12, 5, 5, Window2d::square(3, 1, 1), 2);
  const int64_t wn = 12 * 3 * 9;
  std::vector<int8_t> w(static_cast<size_t>(wn));
  for (int64_t i = 0; i < wn; ++i) w[size_t(i)] = int8_t(i * 37 % 255 - 127);
  ops::QConvPacked pack = ops::qconv_pack(s, w.data());
  w[77] = int8_t(w[77] ^ 0x80);  // a sign-bit flip, as a fault
  ops::qconv_pack_set(pack, 77, w[77]);
  const ops::QConvPacked fresh = ops::qconv_pack(s, w.data());
  EXPECT_EQ(pack.quads, fresh.quads);
  EXPECT_EQ(pack.pairs, fresh.pairs);
}

TEST(QRequant, RoundsHalfToEvenThenSaturates) {
  const float m[] = {0.5f};
  const ops::QRequant r{nullptr, m, false, false};
  EXPECT_EQ(ops::qrequant_one(r, 0, 5), 2.0f);    // 2.5 -> 2
  EXPECT_EQ(ops::qrequant_one(r, 0, 7), 4.0f);    // 3.5 -> 4
  EXPECT_EQ(ops::qrequant_one(r, 0, -5), -2.0f);  // -2.5 -> -2
  EXPECT_EQ(ops::qrequant_one(r, 0, 400), 127.0f);
  EXPECT_EQ(ops::qrequant_one(r, 0, -400), -128.0f);
  const float z = ops::qrequant_one(r, 0, -1);  // -0.5 -> 0, stored as +0.0
  EXPECT_EQ(std::memcmp(&z, "\0\0\0\0", 4), 0);
  const ops::QRequant relu{nullptr, m, true, false};
  EXPECT_EQ(ops::qrequant_one(relu, 0, -9), 0.0f);
  const int32_t bias[] = {3};
  const ops::QRequant deq{bias, m, false, true};
  EXPECT_EQ(ops::qrequant_one(deq, 0, 4), 3.5f);  // (4 + 3) x 0.5, not rounded
}

TEST(QElementwise, QuantizeAddAndPoolFollowTheirFormulas) {
  float y[4];
  const float x[] = {0.74f, -1.26f, 100.0f, -0.1f};
  ops::quantize_linear(4, x, 0.5f, y, nullptr);
  EXPECT_EQ(y[0], 1.0f);    // 1.48 -> 1
  EXPECT_EQ(y[1], -3.0f);   // -2.52 -> -3
  EXPECT_EQ(y[2], 127.0f);  // saturated
  EXPECT_EQ(y[3], 0.0f);
  const float a[] = {3, 5, -128, 127}, b[] = {1, 0, -128, 127};
  ops::qadd(4, a, b, 0.5f, 0.5f, false, y, nullptr);
  EXPECT_EQ(y[0], 2.0f);  // 1.5 + 0.5
  EXPECT_EQ(y[1], 2.0f);  // 2.5 -> 2
  EXPECT_EQ(y[2], -128.0f);
  EXPECT_EQ(y[3], 127.0f);
  ops::qadd(4, a, b, 0.5f, 0.5f, true, y, nullptr);
  EXPECT_EQ(y[2], 0.0f);
  const float p[] = {1, 2, 3, 4, 5, 6, 7, 9};  // 2 channels of 2x2
  ops::QPoolShape s{1, 2, 2, 2, 1, 1, 2, 2, 1, 1};
  ops::qavg_pool(s, p, 0.25f, y, nullptr);
  EXPECT_EQ(y[0], 2.0f);  // 10 / 4 = 2.5 -> 2
  EXPECT_EQ(y[1], 7.0f);  // 27 / 4 = 6.75 -> 7
}

// The fast mode's position skipping (qconv_optimized's needed/fill): a tile of positions
// with no needed position is copied from fill, any other computed whole, under every SIMD
// target. The fill rows hold a marker no kernel writes, so the test sees which tiles were
// skipped (the skipping path ran) and that every needed position has the reference's bits.
TEST(QConv, NeededPositionsSkipTilesAndKeepTheReferenceBits) {
  const ops::Conv2dShape s = ops::conv2d_shape(3, 16, 9, 9, 20, 9, 9, Window2d::square(3, 1, 1), 1);  // 81 positions
  const int64_t positions = 81, words = 2, wn = int64_t(20) * 16 * 9;
  std::vector<int8_t> weight(static_cast<size_t>(wn));
  const std::vector<float> wc = codes(size_t(wn), 7, -128, 127);
  for (size_t i = 0; i < weight.size(); ++i) weight[i] = int8_t(int(wc[i]));
  const std::vector<float> x = codes(size_t(3) * 16 * 81, 8, 0, 127);
  std::vector<int32_t> bias(20, 1234);
  std::vector<float> mult(20, 0.0011f);
  const ops::QRequant r{bias.data(), mult.data(), true, false};
  const size_t yn = size_t(3) * 20 * 81;
  std::vector<float> ref(yn);
  ops::qconv_reference(s, x.data(), weight.data(), r, ref.data());
  // Image 0: positions 5 and 80 (the last, a partial tile); image 1: none; image 2: all.
  std::vector<uint64_t> needed(size_t(3 * words), 0);
  needed[0] = uint64_t(1) << 5;
  needed[1] = uint64_t(1) << (80 - 64);
  needed[4] = ~uint64_t(0);
  needed[5] = (uint64_t(1) << 17) - 1;
  const float marker = 1000.0f;  // not a code
  const std::vector<float> fill(size_t(20 * 81), marker);
  const float* fills[] = {fill.data(), fill.data(), fill.data()};
  const int tile = ops::kQConvTilePositions;
  for (ops::SimdTarget t : ops::simd_targets_supported()) {
    ops::set_simd_target(t);
    const ops::QConvPacked pack = ops::qconv_pack(s, weight.data());
    std::vector<float> got(yn, -1.0f);
    ops::qconv_optimized(s, x.data(), pack, r, got.data(), nullptr, true, needed.data(), fills);
    int64_t skipped = 0;
    for (int n = 0; n < 3; ++n)
      for (int64_t p = 0; p < positions; ++p) {
        bool tile_needed = false;
        for (int64_t q = p / tile * tile; q < std::min(positions, p / tile * tile + tile); ++q)
          tile_needed = tile_needed || ((needed[size_t(n * words + q / 64)] >> (q % 64)) & 1);
        for (int co = 0; co < 20; ++co) {
          const size_t i = (size_t(n) * 20 + size_t(co)) * size_t(positions) + size_t(p);
          if (tile_needed)
            ASSERT_EQ(std::memcmp(&got[i], &ref[i], sizeof(float)), 0)
                << ops::simd_target_name(t) << " image " << n << " position " << p;
          else
            ASSERT_EQ(got[i], marker) << ops::simd_target_name(t) << " image " << n << " position " << p;
          skipped += !tile_needed;
        }
      }
    EXPECT_EQ(skipped, 20 * ((81 - tile - 1) + 81)) << ops::simd_target_name(t);  // image 0: two tiles computed
  }
  ops::reset_simd_target();
}

// qadd's vector lanes (per SIMD target, qelementwise_simd.cpp) and scalar tail give the
// documented formula's bits, exact ties (half to even) and both saturations included, and
// never -0.0.
TEST(QElementwise, AddLanesAndTailFollowTheFormula) {
  const int64_t n = 1003;  // not a multiple of the lanes
  const std::vector<float> a = codes(size_t(n), 21, -128, 127), b = codes(size_t(n), 22, -128, 127);
  for (ops::SimdTarget t : ops::simd_targets_supported()) {
    ops::set_simd_target(t);
    for (const float ma : {0.5f, 0.37f, 1.9f})
      for (const bool relu : {false, true}) {
        std::vector<float> y(static_cast<size_t>(n));
        ops::qadd(n, a.data(), b.data(), ma, 0.25f, relu, y.data(), nullptr);
        int ties = 0;
        for (int64_t i = 0; i < n; ++i) {
          const double v = double(a[size_t(i)]) * double(ma) + double(b[size_t(i)]) * 0.25;
          ties += v != std::floor(v) && v - std::floor(v) == 0.5;
          const float want = float(std::nearbyint(std::min(std::max(v, relu ? 0.0 : -128.0), 127.0))) + 0.0f;
          ASSERT_EQ(std::memcmp(&y[size_t(i)], &want, sizeof(float)), 0)
              << ops::simd_target_name(t) << " element " << i << " " << y[size_t(i)];
        }
        if (ma == 0.5f) {
          EXPECT_GT(ties, 0);
        }
      }
  }
  ops::reset_simd_target();
}

}  // namespace
}  // namespace faultbench
