#include <cmath>
#include <limits>

#include "faultbench/error.h"
#include "faultbench/ops/linear.h"
#include "faultbench/util/parallel.h"
#include "ops/op_test_util.h"

namespace faultbench {
namespace {

using namespace faultbench::testing;

class LinearCases : public ::testing::TestWithParam<ops::LinearShape> {};

TEST_P(LinearCases, OptimizedEqualsReferenceBitwiseAndReferenceIsAccurate) {
  const ops::LinearShape s = GetParam();
  const auto x = random_floats(size_t(s.batch) * s.in_features, 11);
  const auto w = random_floats(size_t(s.out_features) * s.in_features, 12);
  const auto b = random_floats(size_t(s.out_features), 13);
  std::vector<float> ref(size_t(s.batch) * s.out_features), opt(ref.size(), 1.0f), opt2(ref.size(), 2.0f);
  ops::linear_reference(s, x.data(), w.data(), b.data(), ref.data());
  const auto pack = ops::linear_pack(s, w.data());
  ops::linear_optimized(s, x.data(), pack, b.data(), opt.data(), nullptr);
  ThreadPool pool(2);
  ops::linear_optimized(s, x.data(), pack, b.data(), opt2.data(), &pool);
  EXPECT_BITWISE_EQ(ref, opt);
  EXPECT_BITWISE_EQ(ref, opt2);
  for (int n = 0; n < s.batch; ++n)
    for (int o = 0; o < s.out_features; ++o) {
      double sum = b[size_t(o)], mag = std::fabs(b[size_t(o)]);
      for (int i = 0; i < s.in_features; ++i) {
        const double t = double(w[size_t(o) * s.in_features + i]) * x[size_t(n) * s.in_features + i];
        sum += t;
        mag += std::fabs(t);
      }
      ASSERT_NEAR(ref[size_t(n) * s.out_features + o], sum, 1e-6 * mag + 1e-7);
    }
}

INSTANTIATE_TEST_SUITE_P(ZooShapes, LinearCases,
                         ::testing::Values(ops::LinearShape{4, 64, 10}, ops::LinearShape{3, 512, 100},
                                           ops::LinearShape{2, 1024, 43}, ops::LinearShape{5, 7, 3},
                                           ops::LinearShape{1, 512, 512}, ops::LinearShape{2, 100, 65},
                                           // VGG's classifier; batches that leave partial image blocks
                                           ops::LinearShape{9, 512, 4096}, ops::LinearShape{6, 4096, 130},
                                           ops::LinearShape{8, 33, 64}));

TEST(Linear, HandComputed) {
  const ops::LinearShape s{1, 3, 2};
  const std::vector<float> x{1, 2, 3}, w{1, 0, -1, 0.5f, 0.5f, 0.5f}, b{10, -1};
  std::vector<float> y(2), yo(2);
  ops::linear_reference(s, x.data(), w.data(), b.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{8.0f, 2.0f}));
  ops::linear_optimized(s, x.data(), ops::linear_pack(s, w.data()), b.data(), yo.data(), nullptr);
  EXPECT_EQ(yo, y);
}

TEST(Linear, SpecialValuesSameBits) {
  const ops::LinearShape s{3, 40, 20};
  auto x = random_floats(3 * 40, 21);
  auto w = random_floats(20 * 40, 22);
  w[5] = std::numeric_limits<float>::infinity();
  w[41] = std::numeric_limits<float>::quiet_NaN();
  x[40 + 5] = 0.0f;  // inf * 0 for image 1, output 0
  std::vector<float> ref(60), opt(60);
  ops::linear_reference(s, x.data(), w.data(), nullptr, ref.data());
  ops::linear_optimized(s, x.data(), ops::linear_pack(s, w.data()), nullptr, opt.data(), nullptr);
  EXPECT_BITWISE_EQ(ref, opt);
  EXPECT_TRUE(std::isnan(ref[20]));
  EXPECT_TRUE(std::isnan(ref[1]));
}

TEST(Linear, ShapeErrors) {
  EXPECT_THROW(ops::validate_linear({1, 0, 3}), UsageError);
  const std::vector<float> w(12);
  auto pack = ops::linear_pack({1, 4, 3}, w.data());
  std::vector<float> x(5), y(3);
  EXPECT_THROW(ops::linear_optimized({1, 5, 3}, x.data(), pack, nullptr, y.data(), nullptr), UsageError);
}

}  // namespace
}  // namespace faultbench
