// batch_norm2d (eval): shape rules, reference, folding and the optimized kernel.
// Folding is exactly PyTorch 1.13's CPU sequence, so both variants produce the same
// alpha/beta bits and then the same y = x * alpha + beta (mul, then add; never fused;
// the kernel: batch_norm_simd.cpp).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "faultbench/ops/batch_norm.h"
#include "simd/dispatch.h"

namespace faultbench::ops {

FAULTBENCH_SIMD_DECLARE(void, batch_norm_kernel,
                        (const BatchNormShape& s, const float* x, const float* alpha, const float* beta, float* y,
                         ThreadPool* pool, bool relu));

namespace {
inline void fold_one(float weight, float bias, float mean, float var, double eps, float* alpha, float* beta) {
  const float invstd = 1.0f / std::sqrt(var + static_cast<float>(eps));
  *alpha = weight * invstd;
  *beta = bias - mean * *alpha;
}
}  // namespace

void validate_batch_norm2d(const BatchNormShape& s) {
  if (s.batch < 0) shape_error("batch_norm2d", "batch must be >= 0, got " + std::to_string(s.batch));
  if (s.channels <= 0 || s.h <= 0 || s.w <= 0)
    shape_error("batch_norm2d", "channels/height/width must be positive, got " + std::to_string(s.channels) + "x" +
                                    std::to_string(s.h) + "x" + std::to_string(s.w));
}

void batch_norm2d_reference(const BatchNormShape& s, const float* x, const float* weight, const float* bias,
                            const float* mean, const float* var, double eps, float* y) {
  validate_batch_norm2d(s);
  const int64_t plane = int64_t(s.h) * s.w;
  for (int n = 0; n < s.batch; ++n)
    for (int c = 0; c < s.channels; ++c)
      for (int64_t i = 0; i < plane; ++i) {
        float alpha, beta;
        fold_one(weight[c], bias[c], mean[c], var[c], eps, &alpha, &beta);
        const int64_t at = (int64_t(n) * s.channels + c) * plane + i;
        const float scaled = x[at] * alpha;
        y[at] = scaled + beta;
      }
}

BatchNormFolded batch_norm2d_fold(int channels, const float* weight, const float* bias, const float* mean,
                                  const float* var, double eps) {
  if (channels <= 0) shape_error("batch_norm2d", "channels must be positive, got " + std::to_string(channels));
  BatchNormFolded f;
  f.alpha.resize(size_t(channels));
  f.beta.resize(size_t(channels));
  for (int c = 0; c < channels; ++c)
    fold_one(weight[c], bias[c], mean[c], var[c], eps, &f.alpha[size_t(c)], &f.beta[size_t(c)]);
  return f;
}

void batch_norm2d_optimized(const BatchNormShape& s, const float* x, const BatchNormFolded& f, float* y,
                            ThreadPool* pool, bool relu) {
  validate_batch_norm2d(s);
  if (f.alpha.size() != size_t(s.channels) || f.beta.size() != size_t(s.channels))
    shape_error("batch_norm2d", "folded constants have " + std::to_string(f.alpha.size()) + " channels, expected " +
                                    std::to_string(s.channels));
  FAULTBENCH_SIMD_CALL(batch_norm_kernel)(s, x, f.alpha.data(), f.beta.data(), y, pool, relu);
}

}  // namespace faultbench::ops
