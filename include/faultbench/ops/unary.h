// Pointwise activations of ONNX CNNs, y = f(x) per element (any layout). The formulas are
// PyTorch 1.13's CPU fp32 ones (docs/DETERMINISM.md), evaluated by the same scalar code on
// every SIMD target:
//   LeakyRelu   y = x > 0 ? x : x * alpha
//   Clip        v = x < lo ? lo : x;  y = hi < v ? hi : v   (torch.clamp: NaN stays NaN,
//               -0.0 stays -0.0, lo > hi gives hi; absent bounds are -inf / +inf)
//   Sigmoid     y = 1.0f / (1.0f + expf(-x))
//   HardSigmoid y = max(0, min(1, alpha * x + beta))  (ONNX's form; a multiply, then an add)
//   HardSwish   y = x * min(max(x + 3, 0), 6) / 6      (torch: the product, then a true division)
//   Tanh        y = tanhf(x)
#pragma once
#include <cstdint>
#include <limits>

#include "faultbench/ops/common.h"

namespace faultbench::ops {

enum class UnaryFn { LeakyRelu, Clip, Sigmoid, HardSigmoid, HardSwish, Tanh };

const char* unary_fn_name(UnaryFn fn);

struct UnaryParams {
  UnaryFn fn = UnaryFn::Sigmoid;
  float alpha = 0.0f, beta = 0.0f;  // LeakyRelu: alpha; HardSigmoid: alpha, beta
  float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();  // Clip
};

// Throws UsageError("unary (FN): ...") for a NaN parameter or an unknown function.
void validate_unary(const UnaryParams& p);

// One element, as both kernels compute it.
float unary_apply(const UnaryParams& p, float x);

void unary_reference(const UnaryParams& p, int64_t count, const float* x, float* y);
// The same element function, split over the pool (no SIMD variant: the transcendental
// functions are libm calls, and the others are memory-bound).
void unary_optimized(const UnaryParams& p, int64_t count, const float* x, float* y, ThreadPool* pool);

}  // namespace faultbench::ops
