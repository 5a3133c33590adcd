// Fully connected layer: y[n, o] = (sum over i increasing of fma(w[o, i], x[n, i], acc),
// starting at +0.0f) + bias[o].   x: [batch, in], weight: [out, in], bias: [out] or null.
#pragma once
#include "faultbench/ops/common.h"

namespace faultbench::ops {

struct LinearShape {
  int batch = 0, in_features = 0, out_features = 0;
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

// Sets weight element `index` ([out_features, in_features] order) of packed weights in
// O(1); the result equals linear_pack of the changed weights.
void linear_pack_set(LinearPacked& pack, int64_t index, float value);

void linear_optimized(const LinearShape& s, const float* x, const LinearPacked& pack, const float* bias, float* y,
                      ThreadPool* pool);

}  // namespace faultbench::ops
