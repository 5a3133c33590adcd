#include <cmath>
#include <cstring>
#include <limits>

#include "faultbench/error.h"
#include "faultbench/ops/pool.h"
#include "faultbench/ops/simd_target.h"
#include "faultbench/util/parallel.h"
#include "ops/op_test_util.h"

namespace faultbench {
namespace {

using namespace faultbench::testing;
constexpr float kInf = std::numeric_limits<float>::infinity();

ops::Pool2dShape pool_shape(int n, int c, int h, int k, int s, int p, bool ceil) {
  const int o = ops::pooled_size(h, k, s, p, ceil);
  return {n, c, h, h, o, o, k, s, p, ceil};
}

TEST(MaxPool2d, OptimizedEqualsReferenceAndNaiveMax) {
  for (const auto& s : {pool_shape(2, 3, 32, 3, 2, 1, false),     // DenseNet pool0, GoogLeNet maxpool
                        pool_shape(2, 4, 16, 3, 1, 1, true),      // GoogLeNet branch4 (ceil mode)
                        pool_shape(1, 5, 25, 2, 2, 0, true),      // 25 -> 13 with ceil mode
                        pool_shape(1, 5, 25, 2, 2, 0, false),     // 25 -> 12
                        pool_shape(2, 2, 32, 2, 2, 0, false)}) {  // VGG
    const size_t in_n = size_t(s.batch) * s.channels * s.in_h * s.in_w;
    const size_t out_n = size_t(s.batch) * s.channels * s.out_h * s.out_w;
    const auto x = random_floats(in_n, 41, -2, 2);
    std::vector<float> ref(out_n), opt(out_n);
    ops::max_pool2d_reference(s, x.data(), ref.data());
    ThreadPool pool(2);
    ops::max_pool2d_optimized(s, x.data(), opt.data(), &pool);
    EXPECT_BITWISE_EQ(ref, opt);
    for (size_t nc = 0; nc < size_t(s.batch) * s.channels; ++nc)
      for (int oh = 0; oh < s.out_h; ++oh)
        for (int ow = 0; ow < s.out_w; ++ow) {
          float m = -kInf;
          for (int ih = std::max(0, oh * s.stride - s.padding);
               ih < std::min(s.in_h, oh * s.stride - s.padding + s.kernel); ++ih)
            for (int iw = std::max(0, ow * s.stride - s.padding);
                 iw < std::min(s.in_w, ow * s.stride - s.padding + s.kernel); ++iw)
              m = std::max(m, x[(nc * s.in_h + ih) * s.in_w + iw]);
          ASSERT_EQ(ref[(nc * s.out_h + oh) * s.out_w + ow], m);
        }
  }
}

TEST(MaxPool2d, HandValuesPaddingAndNaN) {
  // 1x1x2x2 all negative, k3 s1 p1: padding acts as -inf, so the max is a real value.
  const auto s = pool_shape(1, 1, 2, 3, 1, 1, false);
  std::vector<float> x{-4, -3, -2, -1}, y(4), yo(4);
  ops::max_pool2d_reference(s, x.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{-1, -1, -1, -1}));
  // A NaN wins wherever it is in the window (PyTorch propagates NaN).
  x = {1, std::numeric_limits<float>::quiet_NaN(), 5, -kInf};
  ops::max_pool2d_reference(s, x.data(), y.data());
  for (float v : y) EXPECT_TRUE(std::isnan(v));
  ops::max_pool2d_optimized(s, x.data(), yo.data(), nullptr);
  EXPECT_BITWISE_EQ(y, yo);
  // All -inf stays -inf.
  x = {-kInf, -kInf, -kInf, -kInf};
  ops::max_pool2d_reference(s, x.data(), y.data());
  EXPECT_EQ(y[0], -kInf);
}

// The vector kernel (one window per lane over a -inf frame) on every target this CPU runs:
// it runs wherever a target has lanes, and gives the reference's bits where the order of
// the cells matters (NaNs of different payloads: the last wins; -0 and +0: the first
// wins) on GoogLeNet's windows, windows past a ceil-mode edge, strided ones that gather,
// dilated ones with asymmetric pads, and rows with partial vectors (loaded or gathered).
TEST(MaxPool2d, VectorKernelOnEveryTargetWithTheReferencesBits) {
  const auto nan_with = [](uint32_t payload) {
    uint32_t b = 0x7fc00000u | payload;
    float f;
    std::memcpy(&f, &b, sizeof f);
    return f;
  };
  std::vector<ops::Pool2dShape> shapes = {pool_shape(2, 3, 32, 3, 1, 1, true),  // GoogLeNet branch4
                                          pool_shape(1, 3, 16, 3, 2, 1, false), pool_shape(1, 2, 25, 2, 2, 0, true),
                                          pool_shape(2, 2, 50, 3, 2, 1, true),  pool_shape(1, 2, 5, 3, 1, 1, true),
                                          pool_shape(1, 2, 37, 2, 2, 0, false), pool_shape(1, 2, 20, 3, 1, 1, false)};
  const Window2d odd{3, 2, 2, 3, 2, 1, 1, 0, 2, 1};  // dilated rows, strided columns, asymmetric pads
  for (int h : {7, 19})
    shapes.push_back(ops::pool2d_shape(2, 3, h, h + 4, window_output_size(h, 3, 2, 2, 1, 2, true),
                                       window_output_size(h + 4, 2, 3, 1, 0, 1, true), odd, true, true));
  struct TargetGuard {
    ~TargetGuard() { ops::reset_simd_target(); }
  } guard;
  ThreadPool pool(2);
  for (ops::SimdTarget t : ops::simd_targets_supported()) {
    ops::set_simd_target(t);
    for (const ops::Pool2dShape& s : shapes) {
      SCOPED_TRACE(std::string(ops::simd_target_name(t)) + " " + std::to_string(s.in_h) + "x" + std::to_string(s.in_w));
      auto x = random_floats(size_t(s.batch) * s.channels * s.in_h * s.in_w, 45, -1, 1);
      for (size_t i = 0; i < x.size(); i += 5) x[i] = (i / 5) % 2 ? 0.0f : -0.0f;
      for (size_t i = 3; i < x.size(); i += 11) x[i] = nan_with(uint32_t(i % 1000));
      for (size_t i = 7; i < x.size(); i += 13) x[i] = (i / 13) % 2 ? kInf : -kInf;
      std::vector<float> ref(size_t(s.batch) * s.channels * s.out_h * s.out_w), opt(ref.size(), 7.0f);
      ops::max_pool2d_reference(s, x.data(), ref.data());
      const ops::MaxPoolPath path = ops::max_pool2d_optimized(s, x.data(), opt.data(), &pool);
      EXPECT_EQ(path, t == ops::SimdTarget::kScalar ? ops::MaxPoolPath::Scalar : ops::MaxPoolPath::Vector);
      EXPECT_BITWISE_EQ(ref, opt);
    }
  }
}

TEST(AvgPool2d, OptimizedEqualsReferenceAndHandValues) {
  for (const auto& s : {pool_shape(2, 3, 25, 2, 2, 0, false), pool_shape(1, 4, 8, 8, 8, 0, false),
                        pool_shape(1, 2, 13, 13, 13, 0, false), pool_shape(2, 3, 4, 4, 4, 0, false)}) {
    const auto x = random_floats(size_t(s.batch) * s.channels * s.in_h * s.in_w, 42);
    std::vector<float> ref(size_t(s.batch) * s.channels * s.out_h * s.out_w), opt(ref.size());
    ops::avg_pool2d_reference(s, x.data(), ref.data());
    ThreadPool pool(2);
    ops::avg_pool2d_optimized(s, x.data(), opt.data(), &pool);
    EXPECT_BITWISE_EQ(ref, opt);
    // Row-major float sum, then divide.
    float sum = 0;
    for (int i = 0; i < s.kernel; ++i)
      for (int j = 0; j < s.kernel; ++j) sum += x[size_t(i) * s.in_w + j];
    EXPECT_EQ(bits(ref[0]), bits(sum / float(s.kernel * s.kernel)));
  }
  {  // -0 windows give +0 (the sum starts at +0), NaN spreads; 17 windows: a partial vector
    const auto s = pool_shape(1, 17, 2, 2, 2, 0, false);
    std::vector<float> x(17 * 4, -0.0f), ref(17), opt(17);
    x[9] = std::nanf("");
    x[20] = 3.0f;
    ops::avg_pool2d_reference(s, x.data(), ref.data());
    ops::avg_pool2d_optimized(s, x.data(), opt.data(), nullptr);
    EXPECT_BITWISE_EQ(ref, opt);
    EXPECT_FALSE(std::signbit(ref[0]));
  }
  const auto s = pool_shape(1, 1, 3, 2, 2, 0, false);  // 3 -> 1: the last row/column is dropped
  std::vector<float> x{1, 2, 100, 3, 6, 100, 100, 100, 100}, y(1);
  ops::avg_pool2d_reference(s, x.data(), y.data());
  EXPECT_EQ(y[0], 3.0f);
  // Padding and ceil mode are supported since ONNX import (pool_window_test.cpp); a pad
  // as large as the kernel is not.
  EXPECT_NO_THROW(ops::validate_avg_pool2d(pool_shape(1, 1, 4, 2, 2, 1, false)));
  EXPECT_THROW(ops::validate_avg_pool2d(pool_shape(1, 1, 4, 2, 2, 2, false)), UsageError);
}

TEST(GlobalAvgPool, OptimizedEqualsReferenceAndHandValues) {
  for (const ops::GlobalPoolShape t : {ops::GlobalPoolShape{2, 9, 2, 2}, ops::GlobalPoolShape{1, 21, 3, 5}}) {
    const auto x = random_floats(size_t(t.batch) * t.channels * t.h * t.w, 44);
    std::vector<float> ref(size_t(t.batch) * t.channels), opt(ref.size());
    ops::global_avg_pool_reference(t, x.data(), ref.data());
    ops::global_avg_pool_optimized(t, x.data(), opt.data(), nullptr);
    EXPECT_BITWISE_EQ(ref, opt);
  }
  const ops::GlobalPoolShape s{3, 64, 8, 8};
  const auto x = random_floats(3 * 64 * 64, 43);
  std::vector<float> ref(3 * 64), opt(3 * 64);
  ops::global_avg_pool_reference(s, x.data(), ref.data());
  ThreadPool pool(2);
  ops::global_avg_pool_optimized(s, x.data(), opt.data(), &pool);
  EXPECT_BITWISE_EQ(ref, opt);
  double sum = 0;
  for (int i = 0; i < 64; ++i) sum += x[size_t(i)];
  EXPECT_NEAR(ref[0], sum / 64, 1e-6);
  std::vector<float> h{1, 2, 3, 6}, y(1);
  ops::global_avg_pool_reference({1, 1, 2, 2}, h.data(), y.data());
  EXPECT_EQ(y[0], 3.0f);
}

TEST(Pool2d, ShapeErrors) {
  auto s = pool_shape(1, 1, 8, 3, 2, 1, false);
  s.out_h = 5;
  EXPECT_THROW(ops::validate_max_pool2d(s), UsageError);
  s = pool_shape(1, 1, 8, 3, 2, 1, false);
  s.padding = 2;
  EXPECT_THROW(ops::validate_max_pool2d(s), UsageError);
}

}  // namespace
}  // namespace faultbench
