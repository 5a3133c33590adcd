// Batch normalization in eval mode, computed as PyTorch 1.13 does on the CPU:
//   invstd = 1.0f / sqrtf(var + (float)eps); alpha = weight * invstd; beta = bias - mean * alpha;
//   y = x * alpha + beta   (a separate multiply and add, never fused).
// x, y: [batch, channels, h, w]; weight, bias, mean, var: [channels].
#pragma once
#include <vector>

#include "faultbench/ops/common.h"

namespace faultbench::ops {

struct BatchNormShape {
  int batch = 0, channels = 0, h = 0, w = 0;
};

void validate_batch_norm2d(const BatchNormShape& s);

// Recomputes alpha and beta for every element (the plain definition).
void batch_norm2d_reference(const BatchNormShape& s, const float* x, const float* weight, const float* bias,
                            const float* mean, const float* var, double eps, float* y);

// Per-channel alpha and beta, folded once per layer.
struct BatchNormFolded {
  std::vector<float> alpha, beta;
};

BatchNormFolded batch_norm2d_fold(int channels, const float* weight, const float* bias, const float* mean,
                                  const float* var, double eps);

// relu = true fuses a following ReLU (y = v < 0 ? 0 : v on the normalized value).
void batch_norm2d_optimized(const BatchNormShape& s, const float* x, const BatchNormFolded& folded, float* y,
                            ThreadPool* pool, bool relu = false);

}  // namespace faultbench::ops
