// Patching one packed weight in place (how a fault is injected and restored in the
// brute-force mode) equals packing the changed weights from scratch.
#include <limits>
#include <random>

#include "faultbench/error.h"
#include "faultbench/ops/conv2d.h"
#include "faultbench/ops/linear.h"
#include "faultbench/util/parallel.h"
#include "ops/conv2d/layout.h"
#include "ops/op_test_util.h"

namespace faultbench {
namespace {

using ops::Conv2dShape;
using namespace faultbench::testing;

bool same_bytes(const AlignedBuffer& a, const AlignedBuffer& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(Conv2dPackSet, PatchEqualsRepacking) {
  const std::vector<Conv2dShape> shapes = {
      {1, 16, 8, 8, 30, 8, 8, 3, 1, 1, 1},   // out_c not a tile multiple
      {1, 8, 9, 9, 12, 5, 5, 3, 2, 1, 2},    // grouped, stride 2
      {1, 32, 6, 6, 32, 6, 6, 3, 1, 1, 32},  // depthwise
      {1, 16, 4, 4, 40, 4, 4, 3, 1, 1, 1},   // channel-major (small map)
      {1, 8, 8, 8, 40, 8, 8, 3, 1, 1, 1},    // zero-skipping copy of the weights
  };
  std::mt19937 rng(3);
  for (const Conv2dShape& s : shapes) {
    auto w = random_floats(size_t(s.out_c) * (s.in_c / s.groups) * s.kernel * s.kernel, 21);
    auto pack = ops::conv2d_pack(s, w.data());
    for (int t = 0; t < 50; ++t) {
      const size_t i = std::uniform_int_distribution<size_t>(0, w.size() - 1)(rng);
      // Every fifth value is non-finite (the zero-skipping kernel counts them).
      w[i] = t % 5 == 4 ? std::numeric_limits<float>::infinity() : float(t) - 100.5f;
      ops::conv2d_pack_set(pack, int64_t(i), w[i]);
      const auto fresh = ops::conv2d_pack(s, w.data());
      ASSERT_TRUE(same_bytes(pack.layout().data, fresh.layout().data)) << "element " << i;
      ASSERT_TRUE(same_bytes(pack.layout().sparse_data, fresh.layout().sparse_data)) << "element " << i;
      ASSERT_EQ(pack.nonfinite(), fresh.nonfinite()) << "element " << i;
    }
    EXPECT_THROW(ops::conv2d_pack_set(pack, int64_t(w.size()), 1.0f), UsageError);
    EXPECT_THROW(ops::conv2d_pack_set(pack, -1, 1.0f), UsageError);
  }
}

TEST(LinearPackSet, PatchEqualsRepacking) {
  const ops::LinearShape s{1, 37, 21};
  auto w = random_floats(size_t(37) * 21, 31);
  auto pack = ops::linear_pack(s, w.data());
  for (size_t i = 0; i < w.size(); i += 13) {
    w[i] = -float(i);
    ops::linear_pack_set(pack, int64_t(i), w[i]);
    ASSERT_TRUE(same_bytes(pack.data, ops::linear_pack(s, w.data()).data)) << "element " << i;
  }
  EXPECT_THROW(ops::linear_pack_set(pack, int64_t(w.size()), 1.0f), UsageError);
}

}  // namespace
}  // namespace faultbench
