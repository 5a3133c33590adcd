// Data movement of ONNX graphs on [N, C, H, W] batches: exact copies (and a constant for
// Pad), no arithmetic.
//   pad:       constant padding: y[n, c0 + c, h0 + i, w0 + j] = x[n, c, i, j], `value` elsewhere.
//   slice:     y[n, c, i, j] = x[n, c.start + c * c.step, h.start + i * h.step, ...] with
//              0 <= start < end <= size and step >= 1 per axis (ONNX's bounds already clamped);
//              out = ceil((end - start) / step).
//   resize:    nearest, integer upscale (ONNX asymmetric / floor, PyTorch's 'nearest'):
//              y[n, c, i, j] = x[n, c, i / scale_h, j / scale_w].
//   transpose: y = x.permute(0, 1 + perm[0], 1 + perm[1], 1 + perm[2]): output axis k of
//              (c, h, w) is input axis perm[k].
#pragma once
#include <array>
#include <cstdint>

#include "faultbench/ops/common.h"

namespace faultbench::ops {

struct PadShape {
  int batch = 0, c = 0, h = 0, w = 0;  // input
  int c0 = 0, c1 = 0, h0 = 0, h1 = 0, w0 = 0, w1 = 0;
  float value = 0.0f;
  int out_c() const { return c0 + c + c1; }
  int out_h() const { return h0 + h + h1; }
  int out_w() const { return w0 + w + w1; }
};
void validate_pad(const PadShape& s);
void pad_reference(const PadShape& s, const float* x, float* y);
void pad_optimized(const PadShape& s, const float* x, float* y, ThreadPool* pool);

struct SliceRange {
  int start = 0, end = 0, step = 1;
  int size() const { return end > start && step > 0 ? (end - start + step - 1) / step : 0; }
};
struct SliceShape {
  int batch = 0, c = 0, h = 0, w = 0;  // input
  SliceRange rc, rh, rw;
};
void validate_slice(const SliceShape& s);
void slice_reference(const SliceShape& s, const float* x, float* y);
void slice_optimized(const SliceShape& s, const float* x, float* y, ThreadPool* pool);

struct ResizeShape {
  int batch = 0, c = 0, h = 0, w = 0;  // input
  int scale_h = 1, scale_w = 1;
};
void validate_resize(const ResizeShape& s);
void resize_reference(const ResizeShape& s, const float* x, float* y);
void resize_optimized(const ResizeShape& s, const float* x, float* y, ThreadPool* pool);

struct TransposeShape {
  int batch = 0, c = 0, h = 0, w = 0;  // input
  std::array<int, 3> perm{0, 1, 2};
  // The output's (c, h, w).
  std::array<int, 3> out() const {
    const std::array<int, 3> in{c, h, w};
    return {in[size_t(perm[0])], in[size_t(perm[1])], in[size_t(perm[2])]};
  }
};
void validate_transpose(const TransposeShape& s);
void transpose_reference(const TransposeShape& s, const float* x, float* y);
void transpose_optimized(const TransposeShape& s, const float* x, float* y, ThreadPool* pool);

}  // namespace faultbench::ops
