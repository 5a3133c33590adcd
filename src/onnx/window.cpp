#include "window.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace faultbench::onnx_import {

Window read_window(const NodeRef& n, int in_h, int in_w, int kh, int kw, bool dilations_allowed) {
  Window w;
  const auto kernel = n.get_ints("kernel_shape", {});
  if (kh == 0) {
    if (kernel.size() != 2) n.fail("kernel_shape " + join_ints(kernel) + ": a 2-D kernel is required");
    kh = int(std::clamp<int64_t>(kernel[0], 0, 4096));
    kw = int(std::clamp<int64_t>(kernel[1], 0, 4096));
    if (kernel[0] < 1 || kernel[1] < 1 || kernel[0] > 4096 || kernel[1] > 4096)
      n.fail("kernel_shape " + join_ints(kernel) + " must be in 1..4096");
  } else if (!kernel.empty() && (kernel.size() != 2 || kernel[0] != kh || kernel[1] != kw)) {
    n.fail(fmt::format("kernel_shape {} differs from the weight's {}x{}", join_ints(kernel), kh, kw));
  }
  w.kh = kh;
  w.kw = kw;
  auto pair = [&](const char* name, int64_t lo, int64_t hi, int& a, int& b) {
    const auto v = n.get_ints(name, {});
    if (v.empty()) return;
    if (v.size() != 2 || v[0] < lo || v[1] < lo || v[0] > hi || v[1] > hi)
      n.unsupported_attribute(name, join_ints(v), fmt::format("two values in {}..{}", lo, hi));
    a = int(v[0]);
    b = int(v[1]);
  };
  pair("strides", 1, 4096, w.sh, w.sw);
  pair("dilations", 1, 4096, w.dh, w.dw);
  if (!dilations_allowed && (w.dh != 1 || w.dw != 1))
    n.unsupported_attribute("dilations", fmt::format("[{}, {}]", w.dh, w.dw), "[1, 1]");
  const std::string auto_pad = n.get_string("auto_pad", "NOTSET");
  const auto pads = n.get_ints("pads", {});
  if (auto_pad == "NOTSET") {
    if (!pads.empty()) {
      if (pads.size() != 4) n.unsupported_attribute("pads", join_ints(pads), "four values");
      for (int64_t p : pads)
        if (p < 0 || p > 4096) n.unsupported_attribute("pads", join_ints(pads), "values in 0..4096");
      w.pt = int(pads[0]);
      w.pl = int(pads[1]);
      w.pb = int(pads[2]);
      w.pr = int(pads[3]);
    }
  } else if (auto_pad == "VALID") {
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    // Output = ceil(in / stride); the total padding split evenly, the odd one at the end
    // (UPPER) or the beginning (LOWER).
    auto split = [&](int in, int k, int s, int d, int& begin, int& end) {
      const int64_t out = (int64_t(in) + s - 1) / s;
      const int64_t total = std::max<int64_t>(0, (out - 1) * s + int64_t(d) * (k - 1) + 1 - in);
      begin = int(auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2);
      end = int(total - begin);
    };
    split(in_h, w.kh, w.sh, w.dh, w.pt, w.pb);
    split(in_w, w.kw, w.sw, w.dw, w.pl, w.pr);
  } else {
    n.unsupported_attribute("auto_pad", auto_pad, "NOTSET, VALID, SAME_UPPER, SAME_LOWER");
  }
  return w;
}

}  // namespace faultbench::onnx_import
