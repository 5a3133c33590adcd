#include <cmath>
#include <limits>

#include "faultbench/error.h"
#include "faultbench/ops/elementwise.h"
#include "faultbench/ops/layout.h"
#include "faultbench/util/parallel.h"
#include "ops/op_test_util.h"

namespace faultbench {
namespace {

using namespace faultbench::testing;

TEST(Relu, KeepsNaNAndNegativeZero) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  std::vector<float> x{-1.5f, 2.0f, nan, -0.0f, 0.0f, -inf, inf}, y(x.size()), yo(x.size());
  ops::relu_reference({int64_t(x.size())}, x.data(), y.data());
  EXPECT_EQ(y[0], 0.0f);
  EXPECT_EQ(bits(y[0]), 0u);  // +0
  EXPECT_EQ(y[1], 2.0f);
  EXPECT_EQ(bits(y[2]), bits(nan));
  EXPECT_EQ(bits(y[3]), bits(-0.0f));
  EXPECT_EQ(y[5], 0.0f);
  EXPECT_EQ(y[6], inf);
  ops::relu_optimized({int64_t(x.size())}, x.data(), yo.data(), nullptr);
  EXPECT_BITWISE_EQ(y, yo);
}

TEST(ReluAdd, OptimizedEqualsReference) {
  const int64_t n = 100003;
  const auto a = random_floats(size_t(n), 51), b = random_floats(size_t(n), 52);
  std::vector<float> r1(static_cast<size_t>(n)), r2(static_cast<size_t>(n));
  ThreadPool pool(2);
  ops::relu_reference({n}, a.data(), r1.data());
  ops::relu_optimized({n}, a.data(), r2.data(), &pool);
  EXPECT_BITWISE_EQ(r1, r2);
  ops::add_reference({n}, a.data(), b.data(), r1.data());
  ops::add_optimized({n}, a.data(), b.data(), r2.data(), &pool);
  EXPECT_BITWISE_EQ(r1, r2);
  EXPECT_EQ(r1[7], a[7] + b[7]);
  EXPECT_THROW(ops::validate_elementwise("add", {-1}), UsageError);
}

TEST(Concat, ChannelOrderPerImage) {
  // Two images; input A has 1 channel, B has 2; 1x2 maps.
  const std::vector<float> a{1, 2, /*img1*/ 3, 4}, b{10, 11, 12, 13, /*img1*/ 14, 15, 16, 17};
  const ops::ConcatShape s{2, 1, 2, {1, 2}};
  std::vector<float> y(12), yo(12);
  ops::concat_reference(s, {a.data(), b.data()}, y.data());
  EXPECT_EQ(y, (std::vector<float>{1, 2, 10, 11, 12, 13, 3, 4, 14, 15, 16, 17}));
  ThreadPool pool(2);
  ops::concat_optimized(s, {a.data(), b.data()}, yo.data(), &pool);
  EXPECT_EQ(y, yo);
  EXPECT_THROW(ops::validate_concat({1, 1, 1, {3}}), UsageError);
}

TEST(ShortcutA, SubsamplesAndPadsChannels) {
  // 1 image, 1 channel 3x3 -> 2x2 (ceil(3/2)), padded with 1 zero channel on each side.
  std::vector<float> x{1, 2, 3, 4, 5, 6, 7, 8, 9};
  const ops::ShortcutAShape s{1, 1, 3, 3, 1, 1};
  std::vector<float> y(12, -1.0f), yo(12, -2.0f);
  ops::shortcut_a_reference(s, x.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{0, 0, 0, 0, 1, 3, 7, 9, 0, 0, 0, 0}));
  EXPECT_EQ(bits(y[0]), 0u);
  ops::shortcut_a_optimized(s, x.data(), yo.data(), nullptr);
  EXPECT_EQ(y, yo);
  // Zoo shape: 16x32x32 -> 32x16x16 on a batch, optimized equals reference.
  const ops::ShortcutAShape z{3, 16, 32, 32, 8, 8};
  const auto xz = random_floats(3 * 16 * 1024, 53);
  std::vector<float> r1(size_t(3) * 32 * 256), r2(r1.size());
  ops::shortcut_a_reference(z, xz.data(), r1.data());
  ThreadPool pool(2);
  ops::shortcut_a_optimized(z, xz.data(), r2.data(), &pool);
  EXPECT_BITWISE_EQ(r1, r2);
  EXPECT_EQ(r1[size_t(8) * 256 + 17], xz[size_t(2) * 32 + 2]);  // channel 0 at (1,1) <- x[0, 2, 2]
}

TEST(Flatten, CopiesBytes) {
  const std::vector<float> x{1, -0.0f, 3};
  std::vector<float> y(3);
  ops::flatten_reference(3, x.data(), y.data());
  EXPECT_BITWISE_EQ(x, y);
}

}  // namespace
}  // namespace faultbench
