// Elementwise arithmetic with numpy broadcasting over (c, h, w): y = a OP b, where each
// operand's axis equals the output's or is 1 (then repeated along it). An operand that is
// not `batched` (a constant) is one [c, h, w] block shared by every image. The operand
// order is kept (a - b, a / b); Div is a true IEEE division (no reciprocal multiply).
#pragma once
#include <cstdint>

#include "faultbench/ops/common.h"

namespace faultbench::ops {

enum class BinaryFn { Add, Sub, Mul, Div };

const char* binary_fn_name(BinaryFn fn);

struct BroadcastOperand {
  int c = 1, h = 1, w = 1;
  bool batched = true;  // false: the same block for every image
};

struct BinaryShape {
  int batch = 0, c = 0, h = 0, w = 0;  // output
  BroadcastOperand a, b;
};

// Throws UsageError("binary (FN): ...") naming the axis whose sizes do not broadcast.
void validate_binary(BinaryFn fn, const BinaryShape& s);

void binary_reference(BinaryFn fn, const BinaryShape& s, const float* a, const float* b, float* y);
// The same per-element operation, images x channels split over the pool.
void binary_optimized(BinaryFn fn, const BinaryShape& s, const float* a, const float* b, float* y, ThreadPool* pool);

}  // namespace faultbench::ops
