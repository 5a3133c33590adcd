// Softmax over the channels of a [C, 1, 1] value (a classifier's output), in PyTorch's
// max-subtracted form (its CPU kernel for the last dimension):
//   m = max over c (NaN if any input is NaN); e_c = expf(x_c - m);
//   s = e_0 + e_1 + ... (increasing c); r = 1.0f / s; y_c = e_c * r.
#pragma once
#include "faultbench/ops/common.h"

namespace faultbench::ops {

struct SoftmaxShape {
  int batch = 0, channels = 0;
};
void validate_softmax(const SoftmaxShape& s);
void softmax_reference(const SoftmaxShape& s, const float* x, float* y);
void softmax_optimized(const SoftmaxShape& s, const float* x, float* y, ThreadPool* pool);

}  // namespace faultbench::ops
