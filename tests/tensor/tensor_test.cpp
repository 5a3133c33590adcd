#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "faultbench/tensor.h"

namespace faultbench {
namespace {

TEST(Tensor, NumelAndShapeString) {
  EXPECT_EQ(numel({16, 3, 3, 3}), 432);
  EXPECT_EQ(numel({}), 1);
  EXPECT_EQ(shape_to_string({16, 3, 3, 3}), "[16, 3, 3, 3]");
  EXPECT_EQ(shape_to_string({}), "[]");
}

TEST(Tensor, BitwiseEqualDistinguishesSignedZeroAndNaNPayload) {
  Tensor a({2}, {0.0f, 1.0f});
  Tensor b({2}, {-0.0f, 1.0f});
  EXPECT_FALSE(bitwise_equal(a, b));
  b.data[0] = 0.0f;
  EXPECT_TRUE(bitwise_equal(a, b));
  Tensor c({1, 2}, {0.0f, 1.0f});
  EXPECT_FALSE(bitwise_equal(a, c)) << "shapes differ";
}

TEST(Top1, TiesGoToLowestIndex) {
  const float v[] = {1.0f, 3.0f, 3.0f, 2.0f};
  EXPECT_EQ(top1_index(v, 4), 1);
}

TEST(Top1, NaNCountsAsLargestFirstNaNWins) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float v[] = {1.0f, 5.0f, nan, nan, 9.0f};
  EXPECT_EQ(top1_index(v, 5), 2);
}

TEST(Top1, InfinitiesOrderNormally) {
  const float inf = std::numeric_limits<float>::infinity();
  const float v[] = {-inf, 0.0f, inf, 1.0f};
  EXPECT_EQ(top1_index(v, 4), 2);
  const float w[] = {-inf, -inf};
  EXPECT_EQ(top1_index(w, 2), 0);
}

}  // namespace
}  // namespace faultbench
