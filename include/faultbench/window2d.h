// The spatial window of a convolution or pooling layer, as ONNX writes it: a kernel per
// axis, a stride per axis, a dilation per axis and a padding per side (pads = begin, end).
// The zoo's layers are all square (Window2d::square); imported models need the rest.
// Below the graph layer because the kernels take it too (ops/conv2d.h, ops/pool.h).
#pragma once

namespace faultbench {

struct Window2d {
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;

  // kernel x kernel, the same stride on both axes, `padding` on every side, no dilation:
  // PyTorch's Conv2d/MaxPool2d(kernel, stride, padding), what the zoo uses.
  static Window2d square(int kernel, int stride, int padding) {
    return {kernel, kernel, stride, stride, 1, 1, padding, padding, padding, padding};
  }
  // Whether square(kernel_h, stride_h, pad_top) describes this window.
  bool is_square() const {
    return kernel_h == kernel_w && stride_h == stride_w && dilation_h == 1 && dilation_w == 1 && pad_left == pad_top &&
           pad_bottom == pad_top && pad_right == pad_top;
  }
  // Rows / columns one window spans in the padded input: (kernel - 1) * dilation + 1.
  int extent_h() const { return (kernel_h - 1) * dilation_h + 1; }
  int extent_w() const { return (kernel_w - 1) * dilation_w + 1; }

  bool operator==(const Window2d&) const = default;
};

// Output size along one axis (ONNX's and PyTorch's formula): floor or, in ceil_mode, ceil
// of (in + pad_begin + pad_end - extent) / stride, plus 1; in ceil_mode a last window that
// would start in the end padding is dropped (PyTorch; ONNX since opset 19 says the same).
// 0 or less when the window does not fit the padded input (the callers reject that).
// Inline: the graph builder uses it and builds without the kernels link the graph.
inline int window_output_size(int in, int kernel, int stride, int dilation, int pad_begin, int pad_end,
                              bool ceil_mode) {
  const long long span = (long long)in + pad_begin + pad_end - ((long long)(kernel - 1) * dilation + 1);
  if (span < 0 || stride <= 0) return 0;
  long long out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (out - 1) * stride >= (long long)in + pad_begin) --out;
  return out > 0x7fffffff ? 0 : int(out);
}

}  // namespace faultbench
