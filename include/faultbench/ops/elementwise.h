// Elementwise operators on `count` floats (any layout).
//   relu: y = x < 0 ? 0 : x. NaN stays NaN (as PyTorch's relu) and -0.0 stays -0.0
//         (as PyTorch's clamp_min, which returns its input when it equals the bound).
//   add:  y = a + b.
#pragma once
#include <cstdint>

#include "faultbench/ops/common.h"

namespace faultbench::ops {

struct ElementwiseShape {
  int64_t count = 0;
};

void validate_elementwise(const char* op, const ElementwiseShape& s);

void relu_reference(const ElementwiseShape& s, const float* x, float* y);
void relu_optimized(const ElementwiseShape& s, const float* x, float* y, ThreadPool* pool);

void add_reference(const ElementwiseShape& s, const float* a, const float* b, float* y);
void add_optimized(const ElementwiseShape& s, const float* a, const float* b, float* y, ThreadPool* pool);

// Where two sets of `planes` planes (each `positions` floats) differ bitwise: for every p
// in [0, positions) where a[c * positions + p] and b[c * positions + p] differ in some
// plane c, sets bit p of bits (bits[p / 64] bit p % 64; set bits are kept).
void mark_bitwise_differences(const float* a, const float* b, int planes, int64_t positions, uint64_t* bits);

}  // namespace faultbench::ops
