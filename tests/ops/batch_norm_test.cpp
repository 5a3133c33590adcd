#include <cmath>

#include "faultbench/error.h"
#include "faultbench/ops/batch_norm.h"
#include "faultbench/util/parallel.h"
#include "ops/op_test_util.h"

namespace faultbench {
namespace {

using namespace faultbench::testing;

TEST(BatchNorm2d, OptimizedEqualsReferenceAndMatchesTheFormula) {
  for (const ops::BatchNormShape s : {ops::BatchNormShape{3, 16, 32, 32}, ops::BatchNormShape{2, 7, 5, 3}}) {
    const size_t n = size_t(s.batch) * s.channels * s.h * s.w;
    const auto x = random_floats(n, 31, -3, 3);
    const auto wt = random_floats(size_t(s.channels), 32);
    const auto bs = random_floats(size_t(s.channels), 33);
    const auto mean = random_floats(size_t(s.channels), 34);
    const auto var = random_floats(size_t(s.channels), 35, 0.01f, 2.0f);
    for (double eps : {1e-5, 1e-3, 32.0}) {  // 32: GoogLeNet CIFAR100's eps = channel count quirk
      std::vector<float> ref(n), opt(n);
      ops::batch_norm2d_reference(s, x.data(), wt.data(), bs.data(), mean.data(), var.data(), eps, ref.data());
      ThreadPool pool(2);
      ops::batch_norm2d_optimized(
          s, x.data(), ops::batch_norm2d_fold(s.channels, wt.data(), bs.data(), mean.data(), var.data(), eps),
          opt.data(), &pool);
      EXPECT_BITWISE_EQ(ref, opt);
      for (size_t i = 0; i < n; ++i) {
        const size_t c = (i / size_t(s.h * s.w)) % size_t(s.channels);
        const double expect = (double(x[i]) - mean[c]) / std::sqrt(double(var[c]) + eps) * wt[c] + bs[c];
        ASSERT_NEAR(ref[i], expect, 1e-5 * (1 + std::fabs(expect))) << i;
      }
    }
  }
}

TEST(BatchNorm2d, OptimizedWithReluEqualsReferenceOnEveryMapSize) {
  // Maps of whole vectors (4x4, 8x8), maps packed several channels to a vector (1x1, 2x2,
  // 2x4), others (3x3, 5x3), channel counts that leave a tail; NaN, Inf and -0 inputs.
  for (const ops::BatchNormShape s :
       {ops::BatchNormShape{2, 70, 4, 4}, ops::BatchNormShape{1, 130, 8, 8}, ops::BatchNormShape{3, 37, 2, 2},
        ops::BatchNormShape{2, 21, 1, 1}, ops::BatchNormShape{2, 11, 2, 4}, ops::BatchNormShape{2, 67, 3, 3},
        ops::BatchNormShape{1, 5, 5, 3}}) {
    SCOPED_TRACE(std::to_string(s.channels) + " channels of " + std::to_string(s.h) + "x" + std::to_string(s.w));
    const size_t n = size_t(s.batch) * s.channels * s.h * s.w;
    auto x = random_floats(n, 41, -3, 3);
    x[n / 2] = std::nanf("");
    x[n / 3] = -INFINITY;
    x[n / 5] = -0.0f;
    const auto wt = random_floats(size_t(s.channels), 42);
    const auto bs = random_floats(size_t(s.channels), 43);
    const auto mean = random_floats(size_t(s.channels), 44);
    const auto var = random_floats(size_t(s.channels), 45, 0.01f, 2.0f);
    std::vector<float> ref(n), opt(n, 9.0f);
    ops::batch_norm2d_reference(s, x.data(), wt.data(), bs.data(), mean.data(), var.data(), 1e-5, ref.data());
    for (float& v : ref) v = v < 0.0f ? 0.0f : v;  // the ReLU: NaN and -0 pass
    ThreadPool pool(2);
    for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
      const auto folded = ops::batch_norm2d_fold(s.channels, wt.data(), bs.data(), mean.data(), var.data(), 1e-5);
      ops::batch_norm2d_optimized(s, x.data(), folded, opt.data(), p, true);
      EXPECT_BITWISE_EQ(ref, opt);
    }
  }
}

TEST(BatchNorm2d, PyTorchFoldingSequence) {
  // alpha = w * (1 / sqrtf(var + eps)); beta = b - mean * alpha; y = x * alpha + beta.
  const float w = 0.7f, b = 0.1f, mean = 0.3f, var = 0.9f, x = 1.3f;
  const float invstd = 1.0f / std::sqrt(var + float(1e-5));
  const float alpha = w * invstd, beta = b - mean * alpha;
  const float scaled = x * alpha;
  const float expect = scaled + beta;
  float y = 0;
  ops::batch_norm2d_reference({1, 1, 1, 1}, &x, &w, &b, &mean, &var, 1e-5, &y);
  EXPECT_EQ(bits(y), bits(expect));
  // Hand value: mean 1, var 3, eps 1 -> invstd 0.5; weight 2, bias 1: x = 3 -> 3.
  const float w2 = 2, b2 = 1, m2 = 1, v2 = 3, x2 = 3;
  ops::batch_norm2d_reference({1, 1, 1, 1}, &x2, &w2, &b2, &m2, &v2, 1.0, &y);
  EXPECT_EQ(y, 3.0f);
}

TEST(BatchNorm2d, ShapeErrors) {
  EXPECT_THROW(ops::validate_batch_norm2d({1, 0, 2, 2}), UsageError);
  const ops::BatchNormFolded f{{1.0f}, {0.0f}};
  std::vector<float> x(8), y(8);
  EXPECT_THROW(ops::batch_norm2d_optimized({1, 2, 2, 2}, x.data(), f, y.data(), nullptr), UsageError);
}

}  // namespace
}  // namespace faultbench
