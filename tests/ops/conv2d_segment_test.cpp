// Slices of a 1x1 conv's reduction (src/ops/conv2d/segment.cpp): chained from channel 0
// they must give conv2d's bits, and each slice's raw sums must equal the plain loops'.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "faultbench/error.h"
#include "faultbench/ops/conv2d.h"
#include "faultbench/util/parallel.h"
#include "ops/op_test_util.h"

namespace faultbench {
namespace {

using ops::Conv2dSegment;
using ops::Conv2dShape;
using namespace faultbench::testing;

Conv2dShape one_by_one(int batch, int in_c, int out_c, int h, int w) {
  return Conv2dShape{batch, in_c, h, w, out_c, h, w, 1, 1, 0, 1};
}

// Inputs as a DenseNet concatenation behind BN + ReLU: mostly +0 or positive, a few -0,
// large and tiny values, and (when `specials`) NaN and Inf.
std::vector<float> inputs(size_t n, uint32_t seed, bool specials) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& f : v) {
    const float r = u(rng);
    f = r < 0.4f ? 0.0f : r < 0.45f ? -0.0f : r < 0.5f ? u(rng) * 1e-30f : u(rng) * 4.0f - 1.0f;
  }
  if (specials && n > 8) {
    v[n / 3] = std::numeric_limits<float>::quiet_NaN();
    v[n / 2] = std::numeric_limits<float>::infinity();
  }
  return v;
}

// Segments [0, c1), [c1, c2), ..., [cm, in_c) of random boundaries, each from the previous raw sums.
std::vector<int> random_boundaries(int in_c, std::mt19937& rng) {
  std::vector<int> b{0};
  std::uniform_int_distribution<int> d(0, in_c);
  const int cuts = std::uniform_int_distribution<int>(0, 3)(rng);
  for (int i = 0; i < cuts; ++i) b.push_back(d(rng));
  b.push_back(in_c);
  std::sort(b.begin(), b.end());
  return b;
}

TEST(Conv2dSegment, ChainedSlicesEqualTheWholeConvAndTheReferenceSlices) {
  if (!vector_build()) GTEST_SKIP() << "the optimized slices need the channel-major weights of vector builds";
  std::mt19937 rng(3);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  ThreadPool pool(2);
  for (int iter = 0; iter < 40; ++iter) {
    const int h = std::vector<int>{1, 2, 3, 4, 8, 16}[size_t(pick(0, 5))], w = iter % 3 ? h : pick(1, 9);
    const Conv2dShape s = one_by_one(pick(1, 3), pick(1, 70), pick(32, 80), h, w);
    SCOPED_TRACE("batch " + std::to_string(s.batch) + " in " + std::to_string(s.in_c) + " out " +
                 std::to_string(s.out_c) + " map " + std::to_string(h) + "x" + std::to_string(w));
    const auto x = inputs(size_t(s.batch) * s.in_c * h * w, uint32_t(iter), iter % 4 == 0);
    auto wt = random_floats(size_t(s.out_c) * s.in_c, uint32_t(100 + iter));
    if (iter % 5 == 0) wt[3] = -0.0f;
    const auto bias = random_floats(size_t(s.out_c), uint32_t(200 + iter));
    const auto alpha = random_floats(size_t(s.out_c), uint32_t(300 + iter), 0.5f, 1.5f);
    const auto beta = random_floats(size_t(s.out_c), uint32_t(400 + iter));
    const auto residual = random_floats(size_t(s.batch) * s.out_c * h * w, uint32_t(500 + iter));
    const ops::Conv2dPacked pk = ops::conv2d_pack(s, wt.data());
    ASSERT_TRUE(pk.sparse_capable());
    const float* b = iter % 2 ? bias.data() : nullptr;
    ops::ConvEpilogue epi;
    if (iter % 3 != 0) {
      epi.alpha = alpha.data();
      epi.beta = beta.data();
      epi.relu = true;
    }
    if (iter % 3 == 2) {
      epi.residual = residual.data();
      epi.residual_first = iter % 2 == 0;
    }
    const size_t out_n = size_t(s.batch) * s.out_c * h * w;
    std::vector<float> whole(out_n, 7.0f), whole_ref(out_n, 7.0f);
    ops::conv2d_optimized(s, x.data(), pk, b, whole.data(), &pool, epi);
    ops::conv2d_reference(s, x.data(), wt.data(), b, whole_ref.data());

    const std::vector<int> cuts = random_boundaries(s.in_c, rng);
    std::vector<float> partial, partial_ref;
    for (size_t i = 0; i + 1 < cuts.size(); ++i) {
      const bool last = i + 2 == cuts.size();
      Conv2dSegment seg{cuts[i], cuts[i + 1], partial.empty() ? nullptr : partial.data(), last};
      Conv2dSegment seg_ref{cuts[i], cuts[i + 1], partial_ref.empty() ? nullptr : partial_ref.data(), last};
      std::vector<float> y(out_n, 7.0f), y_ref(out_n, 7.0f);
      ops::conv2d_segment_optimized(s, x.data(), pk, b, y.data(), iter % 2 ? &pool : nullptr, epi, seg);
      ops::conv2d_segment_reference(s, x.data(), wt.data(), b, y_ref.data(), seg_ref);
      if (!last) {
        EXPECT_BITWISE_EQ(y, y_ref);  // raw sums
      } else {
        EXPECT_BITWISE_EQ(y, whole);          // with the epilogue: as the whole optimized conv
        EXPECT_BITWISE_EQ(y_ref, whole_ref);  // bias only: as the whole reference conv
      }
      partial = std::move(y);
      partial_ref = std::move(y_ref);
    }
  }
}

TEST(Conv2dSegment, ResumesFromSavedSumsLikeTheUninterruptedChain) {
  // What the campaign does: the golden pass saves the sums over channels [0, c) of one
  // input; another input that differs only in channels >= c continues from them.
  if (!vector_build()) GTEST_SKIP() << "the optimized slices need the channel-major weights of vector builds";
  const Conv2dShape s = one_by_one(2, 96, 64, 4, 4);
  const int c = 40;
  const auto golden = inputs(size_t(2) * 96 * 16, 1, false);
  auto faulty = golden;
  for (int n = 0; n < 2; ++n)
    for (int ci = c; ci < 96; ++ci) faulty[size_t((n * 96 + ci) * 16 + ci % 16)] += 0.5f;
  const auto wt = random_floats(size_t(64) * 96, 2);
  const ops::Conv2dPacked pk = ops::conv2d_pack(s, wt.data());
  std::vector<float> saved(size_t(2) * 64 * 16), resumed(saved.size()), whole(saved.size());
  ops::conv2d_segment_optimized(s, golden.data(), pk, nullptr, saved.data(), nullptr, {}, {0, c, nullptr, false});
  ops::conv2d_segment_optimized(s, faulty.data(), pk, nullptr, resumed.data(), nullptr, {},
                                {c, 96, saved.data(), true});
  ops::conv2d_optimized(s, faulty.data(), pk, nullptr, whole.data(), nullptr);
  EXPECT_BITWISE_EQ(resumed, whole);
  // Resuming at a channel that did change gives other bits: the test can fail.
  ops::conv2d_segment_optimized(s, golden.data(), pk, nullptr, saved.data(), nullptr, {}, {0, c + 1, nullptr, false});
  ops::conv2d_segment_optimized(s, faulty.data(), pk, nullptr, resumed.data(), nullptr, {},
                                {c + 1, 96, saved.data(), true});
  EXPECT_NE(first_bit_difference(resumed, whole), -1);
}

TEST(Conv2dSegment, RejectsWhatItCannotSplit) {
  const std::vector<float> x(64, 1.0f), w(9 * 64, 1.0f);
  std::vector<float> y(64 * 4);
  const Conv2dShape three{1, 4, 4, 4, 4, 4, 4, 3, 1, 1, 1};
  EXPECT_FALSE(ops::conv2d_segment_supported(three));
  EXPECT_THROW(ops::conv2d_segment_reference(three, x.data(), w.data(), nullptr, y.data(), {0, 4, nullptr, true}),
               UsageError);
  const Conv2dShape s = one_by_one(1, 4, 4, 4, 4);
  EXPECT_TRUE(ops::conv2d_segment_supported(s));
  EXPECT_THROW(ops::conv2d_segment_reference(s, x.data(), w.data(), nullptr, y.data(), {2, 1, nullptr, false}),
               UsageError);
  EXPECT_THROW(ops::conv2d_segment_reference(s, x.data(), w.data(), nullptr, y.data(), {0, 5, nullptr, false}),
               UsageError);
  EXPECT_THROW(ops::conv2d_segment_reference(s, x.data(), w.data(), nullptr, y.data(), {0, 3, nullptr, true}),
               UsageError);
  // Fewer than two vectors of output channels: no channel-major weights to run on.
  const ops::Conv2dPacked pk = ops::conv2d_pack(s, w.data());
  EXPECT_THROW(ops::conv2d_segment_optimized(s, x.data(), pk, nullptr, y.data(), nullptr, {}, {0, 4, nullptr, true}),
               UsageError);
}

}  // namespace
}  // namespace faultbench
