#include <cmath>
#include <limits>
#include <random>

#include "faultbench/error.h"
#include "faultbench/ops/conv2d.h"
#include "faultbench/util/parallel.h"
#include "ops/op_test_util.h"

namespace faultbench {
namespace {

using ops::Conv2dShape;
using namespace faultbench::testing;

struct Case {
  int batch, in_c, h, w, out_c, k, s, p, g;
  bool bias;
};

Conv2dShape make_shape(const Case& c) {
  return {c.batch, c.in_c, c.h, c.w, c.out_c, (c.h + 2 * c.p - c.k) / c.s + 1, (c.w + 2 * c.p - c.k) / c.s + 1,
          c.k,     c.s,    c.p, c.g};
}

// Independent naive double-precision convolution; also returns the sum of |w*x| per output
// (the scale of the rounding error of an fp32 sum).
void conv_double(const Conv2dShape& s, const std::vector<float>& x, const std::vector<float>& w, const float* bias,
                 std::vector<double>* y, std::vector<double>* mag) {
  const int cin_g = s.in_c / s.groups, cout_g = s.out_c / s.groups;
  y->assign(size_t(s.batch) * s.out_c * s.out_h * s.out_w, 0.0);
  mag->assign(y->size(), 0.0);
  for (int n = 0; n < s.batch; ++n)
    for (int co = 0; co < s.out_c; ++co)
      for (int oh = 0; oh < s.out_h; ++oh)
        for (int ow = 0; ow < s.out_w; ++ow) {
          double sum = 0, m = 0;
          for (int c = 0; c < cin_g; ++c)
            for (int i = 0; i < s.kernel; ++i)
              for (int j = 0; j < s.kernel; ++j) {
                const int ih = oh * s.stride + i - s.padding, iw = ow * s.stride + j - s.padding;
                if (ih < 0 || iw < 0 || ih >= s.in_h || iw >= s.in_w) continue;
                const int ci = (co / cout_g) * cin_g + c;
                const double t = double(w[((size_t(co) * cin_g + c) * s.kernel + i) * s.kernel + j]) *
                                 x[((size_t(n) * s.in_c + ci) * s.in_h + ih) * s.in_w + iw];
                sum += t;
                m += std::fabs(t);
              }
          const size_t at = ((size_t(n) * s.out_c + co) * s.out_h + oh) * s.out_w + ow;
          (*y)[at] = sum + (bias ? bias[co] : 0.0);
          (*mag)[at] = m + (bias ? std::fabs(bias[co]) : 0.0);
        }
}

class Conv2dCases : public ::testing::TestWithParam<Case> {};

TEST_P(Conv2dCases, OptimizedEqualsReferenceBitwiseAndReferenceIsAccurate) {
  const Case c = GetParam();
  const Conv2dShape s = make_shape(c);
  const auto x = random_floats(size_t(s.batch) * s.in_c * s.in_h * s.in_w, 1);
  const auto w = random_floats(size_t(s.out_c) * (s.in_c / s.groups) * s.kernel * s.kernel, 2);
  const auto b = random_floats(size_t(s.out_c), 3);
  const float* bias = c.bias ? b.data() : nullptr;
  const size_t out_n = size_t(s.batch) * s.out_c * s.out_h * s.out_w;
  std::vector<float> ref(out_n, -7.0f), opt1(out_n, -8.0f), opt2(out_n, -9.0f);
  ops::conv2d_reference(s, x.data(), w.data(), bias, ref.data());
  const auto pack = ops::conv2d_pack(s, w.data());
  ops::conv2d_optimized(s, x.data(), pack, bias, opt1.data(), nullptr);
  ThreadPool pool(2);
  ops::conv2d_optimized(s, x.data(), pack, bias, opt2.data(), &pool);
  EXPECT_BITWISE_EQ(ref, opt1);
  EXPECT_BITWISE_EQ(ref, opt2);

  std::vector<double> expect, mag;
  conv_double(s, x, w, bias, &expect, &mag);
  for (size_t i = 0; i < out_n; ++i) ASSERT_NEAR(ref[i], expect[i], 1e-6 * mag[i] + 1e-7) << "output " << i;

  // Every optimized path that can compute the layer, not only the one the dispatcher
  // picks (a padded 2x2 map runs the padding-skipping kernel; the channel-major one and,
  // with enough channels, the zero-skipping one must give the same bits).
  for (const ops::Conv2dPath path : ops::kConv2dPaths) {
    if (!ops::conv2d_path_available(pack, path)) continue;
    SCOPED_TRACE(ops::conv2d_path_name(path));
    for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
      std::vector<float> direct(out_n, -10.0f);
      ops::conv2d_run_path(path, s, x.data(), pack, bias, direct.data(), p);
      EXPECT_BITWISE_EQ(ref, direct);
    }
  }

  // Each image alone gives the same bits as inside the batch.
  if (s.batch > 1) {
    Conv2dShape one = s;
    one.batch = 1;
    const size_t in_img = size_t(s.in_c) * s.in_h * s.in_w, out_img = out_n / size_t(s.batch);
    std::vector<float> single(out_img);
    ops::conv2d_optimized(one, x.data() + in_img * (s.batch - 1), pack, bias, single.data(), &pool);
    EXPECT_EQ(0, std::memcmp(single.data(), opt2.data() + out_img * (s.batch - 1), out_img * sizeof(float)));
  }
}

INSTANTIATE_TEST_SUITE_P(
    ZooAndOddShapes, Conv2dCases,
    ::testing::Values(Case{2, 3, 32, 32, 16, 3, 1, 1, 1, false},    // ResNet stem
                      Case{2, 16, 32, 32, 32, 3, 2, 1, 1, false},   // stride-2 stage change
                      Case{3, 64, 8, 8, 64, 3, 1, 1, 1, false},     // last ResNet stage
                      Case{2, 32, 16, 16, 64, 1, 1, 0, 1, false},   // 1x1, full pixel blocks
                      Case{2, 24, 5, 5, 40, 1, 1, 0, 1, true},      // 1x1, partial block, bias
                      Case{2, 16, 8, 8, 32, 1, 2, 0, 1, false},     // 1x1 stride-2 shortcut
                      Case{2, 32, 16, 16, 32, 3, 1, 1, 32, false},  // depthwise
                      Case{2, 32, 15, 15, 32, 3, 2, 1, 32, true},   // depthwise stride 2, odd
                      Case{1, 4, 9, 9, 8, 3, 1, 1, 4, false},       // depthwise multiplier 2
                      Case{1, 6, 25, 25, 12, 3, 2, 1, 1, true},     // 25 -> 13
                      Case{2, 8, 7, 9, 12, 3, 1, 1, 2, true},       // grouped, non-square
                      Case{1, 5, 11, 11, 7, 5, 1, 2, 1, true},      // 5x5, out_c not a tile multiple
                      Case{1, 3, 50, 50, 16, 3, 1, 1, 1, false},    // GTSRB stem, 2500 pixels
                      Case{1, 2, 3, 3, 3, 3, 1, 0, 1, true},        // 1x1 output
                      // Channel-major path (under 64 output positions, >= 16 channels per group):
                      Case{2, 64, 2, 2, 96, 3, 1, 1, 1, false},   // VGG's 2x2 maps
                      Case{3, 40, 4, 4, 128, 1, 1, 0, 1, true},   // DenseNet block 4 bottleneck, direct input
                      Case{2, 48, 4, 4, 32, 3, 1, 1, 1, false},   // DenseNet block 4 3x3
                      Case{2, 32, 8, 8, 40, 3, 2, 1, 1, true},    // stride 2 to 4x4, partial channel vector
                      Case{1, 16, 7, 5, 34, 3, 1, 1, 2, true},    // grouped, 35 positions, 17 per group
                      Case{5, 8, 1, 1, 20, 1, 1, 0, 1, false}));  // 1x1 map, 5 images

TEST(Conv2d, HandComputedAllOnes) {
  // 1x1x3x3 ones, 3x3 ones kernel, padding 1: corners see 4 taps, edges 6, the centre 9.
  const Conv2dShape s{1, 1, 3, 3, 1, 3, 3, 3, 1, 1, 1};
  std::vector<float> x(9, 1.0f), w(9, 1.0f), y(9), yo(9);
  const float bias = 0.5f;
  ops::conv2d_reference(s, x.data(), w.data(), &bias, y.data());
  EXPECT_EQ(y, (std::vector<float>{4.5f, 6.5f, 4.5f, 6.5f, 9.5f, 6.5f, 4.5f, 6.5f, 4.5f}));
  ops::conv2d_optimized(s, x.data(), ops::conv2d_pack(s, w.data()), &bias, yo.data(), nullptr);
  EXPECT_EQ(yo, y);
}

TEST(Conv2d, FusedMultiplyAddIsUsed) {
  // x = 1 + 2^-12, w = 1 - 2^-12 twice: the exact products need 25 bits, so separate
  // multiply-then-add rounds differently from fma. The contract says fma per term.
  const float a = 1.0f + std::ldexp(1.0f, -12), b = 1.0f - std::ldexp(1.0f, -12);
  const Conv2dShape s{1, 2, 1, 1, 1, 1, 1, 1, 1, 0, 1};
  std::vector<float> x{a, a}, w{b, b}, y(1), yo(1);
  ops::conv2d_reference(s, x.data(), w.data(), nullptr, y.data());
  const float expect = std::fma(b, a, std::fma(b, a, 0.0f));
  EXPECT_EQ(bits(y[0]), bits(expect));
  ops::conv2d_optimized(s, x.data(), ops::conv2d_pack(s, w.data()), nullptr, yo.data(), nullptr);
  EXPECT_EQ(bits(yo[0]), bits(expect));
}

TEST(Conv2d, InfWeightMakesNaNWherePaddingIsTouched) {
  for (int groups : {1, 4}) {
    const Conv2dShape s{2, 4, 6, 6, 8, 6, 6, 3, 1, 1, groups};
    auto x = random_floats(2 * 4 * 36, 5, 0.5f, 1.0f);  // positive inputs
    auto w = random_floats(size_t(8) * (4 / groups) * 9, 6);
    w[0] = std::numeric_limits<float>::infinity();                      // out channel 0, tap (0, 0)
    w[9 * (4 / groups) + 4] = std::numeric_limits<float>::quiet_NaN();  // out channel 1, centre tap
    x[7] = -std::numeric_limits<float>::infinity();
    std::vector<float> ref(2 * 8 * 36), opt(ref.size());
    ops::conv2d_reference(s, x.data(), w.data(), nullptr, ref.data());
    ThreadPool pool(2);
    ops::conv2d_optimized(s, x.data(), ops::conv2d_pack(s, w.data()), nullptr, opt.data(), &pool);
    EXPECT_BITWISE_EQ(ref, opt);
    EXPECT_TRUE(std::isnan(ref[0])) << "tap (0,0) of output (0,0) lies in the padding: inf * 0 = NaN";
    EXPECT_EQ(ref[8 * 36 + 7], std::numeric_limits<float>::infinity()) << "image 1, (1,1): inf * positive x";
    EXPECT_TRUE(std::isnan(ref[36 + 14])) << "NaN weight poisons every output of channel 1";
  }
}

TEST(Conv2d, ShapeErrorsNameTheRule) {
  Conv2dShape s{1, 6, 8, 8, 4, 8, 8, 3, 1, 1, 4};  // 6 channels, 4 groups
  EXPECT_THROW(ops::validate_conv2d(s), UsageError);
  try {
    ops::validate_conv2d(s);
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("conv2d: groups (4) must divide"), std::string::npos) << e.what();
  }
  s.groups = 2;
  s.out_h = 7;
  EXPECT_THROW(ops::validate_conv2d(s), UsageError);
  s.out_h = 8;
  EXPECT_NO_THROW(ops::validate_conv2d(s));
  const std::vector<float> w(size_t(4) * 3 * 9, 0.0f);
  auto pack = ops::conv2d_pack(s, w.data());
  s.in_h = s.in_w = 10;
  s.out_h = s.out_w = 10;
  std::vector<float> x(6 * 100), y(4 * 100);
  EXPECT_THROW(ops::conv2d_optimized(s, x.data(), pack, nullptr, y.data(), nullptr), UsageError);
}

}  // namespace
}  // namespace faultbench

namespace faultbench {
namespace {

using namespace faultbench::testing;

TEST(Conv2d, RandomShapeSweepBitwise) {
  // Covers every tiling mode of the optimized kernel (consecutive positions, row vectors,
  // two rows per vector, channel-major small maps), tile remainders, strides up to 3 and
  // groups.
  std::mt19937 rng(99);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  ThreadPool pool(2);
  for (int iter = 0; iter < 60; ++iter) {
    const int k = std::vector<int>{1, 3, 5}[size_t(pick(0, 2))];
    const int stride = pick(1, 3), pad = pick(0, k / 2), groups = pick(1, 3);
    // Every third case wide and small: the channel-major path (< 64 positions, >= 16 channels).
    const bool wide = iter % 3 == 0;
    const int in_c = groups * pick(1, 4), out_c = groups * (wide ? pick(16, 40) : pick(1, 9));
    const int h = pick(std::max(1, k - 2 * pad), wide ? 9 : 40), w = pick(std::max(1, k - 2 * pad), wide ? 9 : 40);
    const Conv2dShape s{
        pick(1, 3), in_c,   h,   w,     out_c, (h + 2 * pad - k) / stride + 1, (w + 2 * pad - k) / stride + 1,
        k,          stride, pad, groups};
    const auto x = random_floats(size_t(s.batch) * in_c * h * w, 1000 + uint32_t(iter));
    const auto wt = random_floats(size_t(out_c) * (in_c / groups) * k * k, 2000 + uint32_t(iter));
    const auto b = random_floats(size_t(out_c), 3000 + uint32_t(iter));
    const float* bias = iter % 2 ? b.data() : nullptr;
    std::vector<float> ref(size_t(s.batch) * out_c * s.out_h * s.out_w), opt(ref.size(), 5.0f), opt2(ref.size(), 6.0f);
    ops::conv2d_reference(s, x.data(), wt.data(), bias, ref.data());
    const auto pack = ops::conv2d_pack(s, wt.data());
    ops::conv2d_optimized(s, x.data(), pack, bias, opt.data(), nullptr);
    ops::conv2d_optimized(s, x.data(), pack, bias, opt2.data(), &pool);
    SCOPED_TRACE("iter " + std::to_string(iter) + ": " + std::to_string(in_c) + "x" + std::to_string(h) + "x" +
                 std::to_string(w) + " -> " + std::to_string(out_c) + " k" + std::to_string(k) + " s" +
                 std::to_string(stride) + " p" + std::to_string(pad) + " g" + std::to_string(groups));
    EXPECT_BITWISE_EQ(ref, opt);
    EXPECT_BITWISE_EQ(ref, opt2);
  }
}

TEST(Conv2d, FusedEpilogueEqualsUnfusedChain) {
  // conv -> (x * alpha + beta) -> add residual (either operand order) -> relu, against the
  // same steps done one at a time with scalar code. Includes a NaN and an Inf input.
  for (const Case c : {Case{2, 8, 16, 16, 12, 3, 1, 1, 1, true}, Case{2, 8, 8, 8, 16, 3, 1, 1, 1, false},
                       Case{1, 6, 13, 13, 8, 3, 2, 1, 1, true}, Case{2, 8, 9, 9, 8, 3, 1, 1, 8, true},
                       Case{2, 8, 4, 4, 40, 3, 1, 1, 1, true}, Case{3, 16, 2, 2, 64, 1, 1, 0, 1, false}}) {
    const Conv2dShape s = make_shape(c);
    auto x = random_floats(size_t(s.batch) * s.in_c * s.in_h * s.in_w, 71);
    x[3] = std::numeric_limits<float>::quiet_NaN();
    x[40] = std::numeric_limits<float>::infinity();
    const auto w = random_floats(size_t(s.out_c) * (s.in_c / s.groups) * s.kernel * s.kernel, 72);
    const auto b = random_floats(size_t(s.out_c), 73);
    const auto alpha = random_floats(size_t(s.out_c), 74), beta = random_floats(size_t(s.out_c), 75);
    const size_t n = size_t(s.batch) * s.out_c * s.out_h * s.out_w;
    const auto res = random_floats(n, 76);
    const float* bias = c.bias ? b.data() : nullptr;
    std::vector<float> conv(n);
    ops::conv2d_reference(s, x.data(), w.data(), bias, conv.data());
    const auto pack = ops::conv2d_pack(s, w.data());
    ThreadPool pool(2);
    for (int variant = 0; variant < 4; ++variant) {
      ops::ConvEpilogue e;
      e.alpha = alpha.data();
      e.beta = beta.data();
      e.residual = variant >= 1 ? res.data() : nullptr;
      e.residual_first = variant == 2;
      e.relu = variant != 3;
      std::vector<float> expect(n), got(n, 9.0f);
      const size_t plane = size_t(s.out_h) * s.out_w;
      for (size_t i = 0; i < n; ++i) {
        const size_t co = (i / plane) % size_t(s.out_c);
        float v = conv[i] * alpha[co];
        v = v + beta[co];
        if (e.residual) v = e.residual_first ? res[i] + v : v + res[i];
        if (e.relu) v = v < 0.0f ? 0.0f : v;
        expect[i] = v;
      }
      ops::conv2d_optimized(s, x.data(), pack, bias, got.data(), variant % 2 ? &pool : nullptr, e);
      EXPECT_BITWISE_EQ(expect, got);
    }
  }
}

}  // namespace
}  // namespace faultbench
