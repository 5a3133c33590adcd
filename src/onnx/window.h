// The spatial window of Conv and the pools as ONNX writes it (internal to src/onnx):
// kernel_shape, strides, dilations, pads (begin h, begin w, end h, end w) or auto_pad.
#pragma once
#include <cstdint>

#include "node_util.h"

namespace faultbench::onnx_import {

struct Window {
  int kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  int pt = 0, pl = 0, pb = 0, pr = 0;
};

// Reads the window attributes of `n` for an input of in_h x in_w; `kernel` from the weight
// (Conv) or the kernel_shape attribute (pools, when kh = kw = 0). Fails naming the attribute.
Window read_window(const NodeRef& n, int in_h, int in_w, int kh, int kw, bool dilations_allowed);

}  // namespace faultbench::onnx_import
