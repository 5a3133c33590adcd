// Data-movement operators (exact copies, no arithmetic).
//   concat: y[n] = channels of x_0[n], then x_1[n], ... (all with the same h, w).
//   shortcut_a: ResNet option A: y[n, pad_front + c, i, j] = x[n, c, 2i, 2j]; the pad_front
//     leading and pad_back trailing channels are +0.0f. out_h = ceil(in_h / 2).
//   flatten: [C, H, W] -> [C*H*W]: the identical bytes, so the executor aliases it.
#pragma once
#include <cstdint>
#include <vector>

#include "faultbench/ops/common.h"

namespace faultbench::ops {

struct ConcatShape {
  int batch = 0, h = 0, w = 0;
  std::vector<int> in_channels;  // one entry per input, in order
};

void validate_concat(const ConcatShape& s);
void concat_reference(const ConcatShape& s, const std::vector<const float*>& xs, float* y);
void concat_optimized(const ConcatShape& s, const std::vector<const float*>& xs, float* y, ThreadPool* pool);

struct ShortcutAShape {
  int batch = 0, in_c = 0, in_h = 0, in_w = 0, pad_front = 0, pad_back = 0;
  int out_c() const { return pad_front + in_c + pad_back; }
  int out_h() const { return (in_h + 1) / 2; }
  int out_w() const { return (in_w + 1) / 2; }
};

void validate_shortcut_a(const ShortcutAShape& s);
void shortcut_a_reference(const ShortcutAShape& s, const float* x, float* y);
void shortcut_a_optimized(const ShortcutAShape& s, const float* x, float* y, ThreadPool* pool);

// flatten needs no kernel: copies count floats when the executor cannot alias.
void flatten_reference(int64_t count, const float* x, float* y);

}  // namespace faultbench::ops
