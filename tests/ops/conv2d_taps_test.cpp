// The padding-skipping conv path (src/ops/conv2d/taps.cpp) against the scalar reference,
// bit for bit: small padded maps (2x2 to 4x4, kernels 3 and 5, strides 1 and 2, groups),
// batches that leave part of a 4-image tile empty, fused epilogues, and the cases where
// leaving the padding out would be wrong (a sum ending at -0, a non-finite weight). Every
// run through the dispatcher checks the path it took (conv2d_optimized's answer).
#include <cmath>
#include <limits>
#include <random>

#include "faultbench/error.h"
#include "faultbench/ops/conv2d.h"
#include "faultbench/util/parallel.h"
#include "ops/op_test_util.h"

namespace faultbench {
namespace {

using ops::Conv2dPath;
using ops::Conv2dShape;
using namespace faultbench::testing;

// Through the dispatcher, which must take `expect`.
std::vector<float> run(Conv2dPath expect, const Conv2dShape& s, const std::vector<float>& x,
                       const ops::Conv2dPacked& pack, const float* bias, ThreadPool* pool,
                       const ops::ConvEpilogue& e = {}) {
  std::vector<float> y(size_t(s.batch) * s.out_c * s.out_h * s.out_w, 7.0f);
  const Conv2dPath ran = ops::conv2d_optimized(s, x.data(), pack, bias, y.data(), pool, e);
  EXPECT_STREQ(ops::conv2d_path_name(ran), ops::conv2d_path_name(expect));
  return y;
}

TEST(Conv2dTaps, SmallPaddedMapsBitwise) {
  if (!vector_build()) GTEST_SKIP() << "the channel-major paths exist in vector builds";
  std::mt19937 rng(9);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  ThreadPool pool(2);
  int planned = 0;
  for (int iter = 0; iter < 40; ++iter) {
    const int k = iter % 4 == 3 ? 5 : 3, pad = k / 2, stride = iter % 5 == 4 ? 2 : 1;
    const int h = pick(1, 4) * stride, w = iter % 3 ? h : pick(1, 4) * stride;
    const int groups = iter % 7 == 6 ? 2 : 1;
    const int out_h = (h + 2 * pad - k) / stride + 1, out_w = (w + 2 * pad - k) / stride + 1;
    const Conv2dShape s{pick(1, 9), groups * pick(1, 12), h, w, groups * 16 * pick(1, 5), out_h, out_w, k, stride, pad,
                        groups};
    SCOPED_TRACE("batch " + std::to_string(s.batch) + " " + std::to_string(s.in_c) + "->" + std::to_string(s.out_c) +
                 " " + std::to_string(h) + "x" + std::to_string(w) + " k" + std::to_string(k) + " s" +
                 std::to_string(stride) + " g" + std::to_string(groups));
    auto x = random_floats(size_t(s.batch) * s.in_c * h * w, uint32_t(iter), -1.0f, 1.0f);
    for (size_t i = 0; i < x.size(); i += 3) x[i] = 0.0f;  // behind a ReLU
    if (iter % 4 == 1) x[x.size() / 2] = std::numeric_limits<float>::quiet_NaN();
    const auto wt = random_floats(size_t(s.out_c) * (s.in_c / groups) * k * k, uint32_t(50 + iter));
    const auto bias = random_floats(size_t(s.out_c), uint32_t(60 + iter));
    const auto alpha = random_floats(size_t(s.out_c), uint32_t(70 + iter), 0.5f, 1.5f);
    const auto beta = random_floats(size_t(s.out_c), uint32_t(80 + iter));
    const auto residual = random_floats(size_t(s.batch) * s.out_c * out_h * out_w, uint32_t(90 + iter));
    const ops::Conv2dPacked pk = ops::conv2d_pack(s, wt.data());
    // Maps under 64 positions with 16+ channels per group: the channel-major kernels, the
    // padding-skipping one where the padding is a quarter of the taps or more (planned);
    // one input channel per group is a depthwise conv.
    const bool has_plan = ops::conv2d_path_available(pk, Conv2dPath::Taps);
    const Conv2dPath expect = s.in_c == groups ? Conv2dPath::Depthwise
                              : has_plan       ? Conv2dPath::Taps
                                               : Conv2dPath::Channels;
    planned += has_plan;
    const float* b = iter % 2 ? bias.data() : nullptr;
    std::vector<float> ref(size_t(s.batch) * s.out_c * out_h * out_w);
    ops::conv2d_reference(s, x.data(), wt.data(), b, ref.data());
    EXPECT_BITWISE_EQ(ref, run(expect, s, x, pk, b, iter % 3 ? &pool : nullptr));
    ops::ConvEpilogue e;
    e.alpha = alpha.data();
    e.beta = beta.data();
    e.relu = true;
    if (iter % 2) {
      e.residual = residual.data();
      e.residual_first = iter % 4 == 1;
    }
    std::vector<float> want = ref;
    const int64_t P = int64_t(out_h) * out_w;
    for (size_t i = 0; i < want.size(); ++i)
      ops::conv2d_epilogue(e, int(i / size_t(P)) % s.out_c, &want[i], e.residual ? &residual[i] : nullptr, &want[i], 1);
    EXPECT_BITWISE_EQ(want, run(expect, s, x, pk, b, &pool, e));
  }
  EXPECT_GT(planned, 20) << "most of these shapes read the padding at a quarter of their taps or more";
}

TEST(Conv2dTaps, UnderflowToNegativeZeroIsRecomputed) {
  // Output (co, 0, 0) of a 3x3 conv on a 2x2 map, whose window holds the input at taps
  // (1..2, 1..2): the centre tap underflows to -0 (-1e-30 * 1e-30); the later taps inside
  // the map read zeros with weight -1 (products -0: the sum stays -0), but the padding tap
  // (2, 0) has weight +1 and turns the reference's sum into +0. Left out, it would not.
  const Conv2dShape s{1, 2, 2, 2, 32, 2, 2, 3, 1, 1, 1};
  std::vector<float> x(8, 0.0f);
  x[0] = 1e-30f;
  std::vector<float> w(size_t(32) * 18, -1.0f);
  for (int co = 0; co < 32; ++co) {
    float* wc = w.data() + size_t(co) * 18;    // [ci][kh][kw]
    for (int t = 0; t < 4; ++t) wc[t] = 1.0f;  // padding taps before the centre: +0 stays +0
    wc[4] = -1e-30f;                           // centre
    wc[6] = 1.0f;                              // tap (2, 0), padding
  }
  std::vector<float> ref(size_t(32) * 4);
  ops::conv2d_reference(s, x.data(), w.data(), nullptr, ref.data());
  ASSERT_EQ(ref[0], 0.0f);
  ASSERT_FALSE(std::signbit(ref[0])) << "the reference must end at +0 for this test to mean anything";
  const auto pack = ops::conv2d_pack(s, w.data());
  ASSERT_EQ(ops::conv2d_path_available(pack, Conv2dPath::Taps), vector_build());
  EXPECT_BITWISE_EQ(ref, run(vector_build() ? Conv2dPath::Taps : Conv2dPath::Gemm, s, x, pack, nullptr, nullptr));
}

TEST(Conv2dTaps, NonFiniteWeightReadsThePadding) {
  // Inf * 0 is NaN: an Inf weight makes NaN at every output whose window touches the padding.
  const Conv2dShape s{3, 4, 2, 2, 32, 2, 2, 3, 1, 1, 1};
  auto x = random_floats(size_t(3) * 4 * 4, 31);
  auto w = random_floats(size_t(32) * 4 * 9, 32);
  w[0] = std::numeric_limits<float>::infinity();  // channel 0, ci 0, top-left tap
  std::vector<float> ref(size_t(3) * 32 * 4);
  ops::conv2d_reference(s, x.data(), w.data(), nullptr, ref.data());
  const auto pack = ops::conv2d_pack(s, w.data());
  // Neither skipping kernel may run (the zero-skipping one is also out: 32 channels on a
  // 2x2 map allow it, the Inf does not).
  const auto got = run(vector_build() ? Conv2dPath::Channels : Conv2dPath::Gemm, s, x, pack, nullptr, nullptr);
  EXPECT_EQ(first_difference_but_nans(ref, got), -1);
  std::vector<float> y(got.size());
  EXPECT_THROW(ops::conv2d_run_path(Conv2dPath::Taps, s, x.data(), pack, nullptr, y.data(), nullptr), UsageError);
  EXPECT_GT(count_nans(ref), 0);
}

}  // namespace
}  // namespace faultbench
