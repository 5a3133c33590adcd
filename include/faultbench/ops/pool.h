// Pooling over NCHW planes. x: [batch, channels, in_h, in_w], y: [batch, channels, out_h, out_w].
//   max_pool2d: as PyTorch's CPU kernel: start at -inf, visit the window's in-bounds cells in
//     row-major order, take a cell when it is > the current max or is NaN (so NaN propagates;
//     padding never wins). ceil_mode supported (out_h from pooled_size()).
//     Any window (Pool2dShape::general): dilation, per-axis strides, asymmetric pads.
//   avg_pool2d: as PyTorch's CPU kernel (and ONNX AveragePool): the window cut to the padded
//     input (a ceil-mode window may reach past it), its cells inside the input summed
//     row-major from 0.0f, divided by the cut window's cell count (count_include_pad) or by
//     the count of cells inside the input. No dilation.
//   global_avg_pool: sum the H*W cells row-major from 0.0f, divide by H*W; y: [batch, channels].
//   global_max_pool: max_pool2d's rule over the H*W cells row-major; y: [batch, channels].
#pragma once
#include <optional>

#include "faultbench/ops/common.h"
#include "faultbench/window2d.h"

namespace faultbench::ops {

// Output spatial size of a convolution or pooling window (PyTorch's formula,
// including ceil_mode's rule that the last window must start inside the input or left padding).
// Inline: the graph builder uses it too, and builds without the kernels (the fuzz library) link the graph.
inline int pooled_size(int in, int kernel, int stride, int padding, bool ceil_mode) {
  const int span = in + 2 * padding - kernel;
  int out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  // PyTorch: with ceil_mode the last window must start inside the input or left padding.
  if (ceil_mode && (out - 1) * stride >= in + padding) --out;
  return out;
}

struct Pool2dShape {
  int batch = 0, channels = 0, in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  // A square window (every zoo layer): kernel x kernel, stride, padding on every side.
  int kernel = 1, stride = 1, padding = 0;
  bool ceil_mode = false;
  bool count_include_pad = true;  // avg_pool2d's divisor (pool.h's header comment)
  // Any other window: when set, it is the window and kernel/stride/padding are unused
  // (pool2d_shape() sets it only for windows that are not square).
  std::optional<Window2d> general = std::nullopt;

  Window2d window() const { return general ? *general : Window2d::square(kernel, stride, padding); }
};

// The shape of a pooling layer with window w (square windows in kernel/stride/padding).
Pool2dShape pool2d_shape(int batch, int channels, int in_h, int in_w, int out_h, int out_w, const Window2d& w,
                         bool ceil_mode, bool count_include_pad);

void validate_max_pool2d(const Pool2dShape& s);
void validate_avg_pool2d(const Pool2dShape& s);

void max_pool2d_reference(const Pool2dShape& s, const float* x, float* y);
// Which kernel max_pool2d_optimized ran (tests assert it): vectors of windows, one per
// lane (every SIMD target but scalar), or the scalar loops. The same bits either way.
enum class MaxPoolPath { Vector, Scalar };
MaxPoolPath max_pool2d_optimized(const Pool2dShape& s, const float* x, float* y, ThreadPool* pool);

void avg_pool2d_reference(const Pool2dShape& s, const float* x, float* y);
void avg_pool2d_optimized(const Pool2dShape& s, const float* x, float* y, ThreadPool* pool);

struct GlobalPoolShape {
  int batch = 0, channels = 0, h = 0, w = 0;
};

void validate_global_avg_pool(const GlobalPoolShape& s);
void global_avg_pool_reference(const GlobalPoolShape& s, const float* x, float* y);
void global_avg_pool_optimized(const GlobalPoolShape& s, const float* x, float* y, ThreadPool* pool);

void validate_global_max_pool(const GlobalPoolShape& s);
void global_max_pool_reference(const GlobalPoolShape& s, const float* x, float* y);
void global_max_pool_optimized(const GlobalPoolShape& s, const float* x, float* y, ThreadPool* pool);

}  // namespace faultbench::ops
