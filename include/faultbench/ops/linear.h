// Fully connected layer: y[n, o] = (sum over i increasing of fma(w[o, i], x[n, i], acc),
// starting at +0.0f) + bias[o].   x: [batch, in], weight: [out, in], bias: [out] or null.
// weight_transposed: the weight is stored [in, out] (ONNX Gemm transB = 0, MatMul); the
// same fma chain reads w[i, o].
#pragma once
#include "faultbench/ops/common.h"

namespace faultbench::ops {

struct LinearShape {
  int batch = 0, in_features = 0, out_features = 0;
  bool weight_transposed = false;
};

void validate_linear(const LinearShape& s);

void linear_reference(const LinearShape& s, const float* x, const float* weight, const float* bias, float* y);

// Weights transposed into tiles of output features: [tiles][in][lanes].
struct LinearPacked {
  LinearShape shape;  // batch is ignored
  int lanes = 0;
  AlignedBuffer data;
};

LinearPacked linear_pack(const LinearShape& s, const float* weight);

// Sets weight element `index` (in the stored order: [out, in], or [in, out] when
// transposed) of packed weights in O(1); the result equals linear_pack of the changed weights.
void linear_pack_set(LinearPacked& pack, int64_t index, float value);

void linear_optimized(const LinearShape& s, const float* x, const LinearPacked& pack, const float* bias, float* y,
                      ThreadPool* pool);

// ONNX Gemm's scaling, applied to the bias-free result y ([batch, out]) of a kernel above:
// y = alpha * y + beta * bias[o] (each product rounded, then the add; no bias: alpha * y).
// Not needed when alpha = beta = 1: the kernel's acc + bias is the same value.
void linear_scale(const LinearShape& s, float alpha, float beta, const float* bias, float* y);

}  // namespace faultbench::ops
