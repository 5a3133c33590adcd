// conv2d: the shape rules and the scalar reference kernel, which defines the bits every
// optimized path reproduces.
#include <cmath>
#include <cstdint>
#include <string>

#include "faultbench/ops/conv2d.h"
#include "faultbench/ops/conv2d_element.h"
#include "layout.h"

namespace faultbench::ops {

namespace {
std::string str(int v) { return std::to_string(v); }
}  // namespace

Conv2dShape conv2d_shape(int batch, int in_c, int in_h, int in_w, int out_c, int out_h, int out_w, const Window2d& w,
                         int groups) {
  Conv2dShape s{batch, in_c, in_h, in_w, out_c, out_h, out_w, w.kernel_h, w.stride_h, w.pad_top, groups};
  if (!w.is_square()) s.general = w;
  return s;
}

namespace {
// validate_conv2d's rules for a general window.
void validate_window(const Conv2dShape& s) {
  const char* op = "conv2d";
  const Window2d w = *s.general;
  if (w.kernel_h <= 0 || w.kernel_w <= 0 || w.stride_h <= 0 || w.stride_w <= 0 || w.dilation_h <= 0 ||
      w.dilation_w <= 0 || w.pad_top < 0 || w.pad_left < 0 || w.pad_bottom < 0 || w.pad_right < 0)
    shape_error(op, "kernel, stride and dilation must be positive and pads >= 0, got kernel " + str(w.kernel_h) + "x" +
                        str(w.kernel_w) + ", stride " + str(w.stride_h) + "x" + str(w.stride_w) + ", dilation " +
                        str(w.dilation_h) + "x" + str(w.dilation_w) + ", pads " + str(w.pad_top) + "," +
                        str(w.pad_left) + "," + str(w.pad_bottom) + "," + str(w.pad_right));
  const int oh = window_output_size(s.in_h, w.kernel_h, w.stride_h, w.dilation_h, w.pad_top, w.pad_bottom, false);
  const int ow = window_output_size(s.in_w, w.kernel_w, w.stride_w, w.dilation_w, w.pad_left, w.pad_right, false);
  if (oh <= 0 || ow <= 0)
    shape_error(op, "window " + str(w.extent_h()) + "x" + str(w.extent_w()) +
                        " (kernel times dilation) larger than the padded input " + str(s.in_h) + "x" + str(s.in_w));
  if (s.out_h != oh || s.out_w != ow)
    shape_error(op, "output size " + str(s.out_h) + "x" + str(s.out_w) +
                        " differs from floor((in + pad_begin + pad_end - extent)/s) + 1 = " + str(oh) + "x" + str(ow));
}
}  // namespace

void validate_conv2d(const Conv2dShape& s) {
  const char* op = "conv2d";
  if (s.batch < 0) shape_error(op, "batch must be >= 0, got " + str(s.batch));
  if (s.in_c <= 0 || s.in_h <= 0 || s.in_w <= 0)
    shape_error(
        op, "input channels/height/width must be positive, got " + str(s.in_c) + "x" + str(s.in_h) + "x" + str(s.in_w));
  if (s.out_c <= 0) shape_error(op, "output channels must be positive, got " + str(s.out_c));
  if (!s.general && (s.kernel <= 0 || s.stride <= 0 || s.padding < 0))
    shape_error(op, "kernel and stride must be positive and padding >= 0, got kernel " + str(s.kernel) + ", stride " +
                        str(s.stride) + ", padding " + str(s.padding));
  if (s.groups <= 0 || s.in_c % s.groups != 0 || s.out_c % s.groups != 0)
    shape_error(op, "groups (" + str(s.groups) + ") must divide input channels (" + str(s.in_c) +
                        ") and output channels (" + str(s.out_c) + ")");
  if (s.general) return validate_window(s);
  const int64_t span_h = int64_t(s.in_h) + 2 * int64_t(s.padding) - s.kernel;
  const int64_t span_w = int64_t(s.in_w) + 2 * int64_t(s.padding) - s.kernel;
  if (span_h < 0 || span_w < 0)
    shape_error(op, "kernel " + str(s.kernel) + " larger than the padded input " + str(s.in_h) + "x" + str(s.in_w) +
                        " (padding " + str(s.padding) + ")");
  if (s.out_h != span_h / s.stride + 1 || s.out_w != span_w / s.stride + 1)
    shape_error(op, "output size " + str(s.out_h) + "x" + str(s.out_w) + " differs from floor((in + 2p - k)/s) + 1 = " +
                        std::to_string(span_h / s.stride + 1) + "x" + std::to_string(span_w / s.stride + 1));
}

namespace {
// Output element (n, co, oh, ow): the documented sequence (docs/DETERMINISM.md).
inline float reference_element(const Conv2dShape& s, const Window2d& w, const float* x, const float* weight,
                               const float* bias, int n, int co, int oh, int ow) {
  const int cin_g = s.in_c / s.groups, cout_g = s.out_c / s.groups, kh_n = w.kernel_h, kw_n = w.kernel_w;
  const int64_t in_plane = int64_t(s.in_h) * s.in_w;
  const int g = co / cout_g;
  const float* wco = weight + int64_t(co) * cin_g * kh_n * kw_n;
  float acc = 0.0f;
  for (int cl = 0; cl < cin_g; ++cl) {
    const float* plane = x + (int64_t(n) * s.in_c + int64_t(g) * cin_g + cl) * in_plane;
    for (int kh = 0; kh < kh_n; ++kh) {
      const int ih = oh * w.stride_h - w.pad_top + kh * w.dilation_h;
      for (int kw = 0; kw < kw_n; ++kw) {
        const int iw = ow * w.stride_w - w.pad_left + kw * w.dilation_w;
        // Padded positions take part as 0.0f (an Inf/NaN weight makes NaN there).
        const float xv = (ih >= 0 && ih < s.in_h && iw >= 0 && iw < s.in_w) ? plane[int64_t(ih) * s.in_w + iw] : 0.0f;
        acc = std::fma(wco[(cl * kh_n + kh) * kw_n + kw], xv, acc);
      }
    }
  }
  return bias ? acc + bias[co] : acc;
}
}  // namespace

float conv2d_reference_element(const Conv2dShape& s, const float* x, const float* weight, const float* bias, int n,
                               int co, int oh, int ow) {
  return reference_element(s, s.window(), x, weight, bias, n, co, oh, ow);
}

namespace detail {
void conv_reference_plane(const Conv2dShape& s, const Window2d& w, const float* x, const float* weight,
                          const float* bias, int n, int co, float* yp) {
  for (int oh = 0; oh < s.out_h; ++oh)
    for (int ow = 0; ow < s.out_w; ++ow)
      yp[int64_t(oh) * s.out_w + ow] = reference_element(s, w, x, weight, bias, n, co, oh, ow);
}
}  // namespace detail

void conv2d_reference(const Conv2dShape& s, const float* x, const float* weight, const float* bias, float* y) {
  validate_conv2d(s);
  const Window2d w = s.window();
  const int64_t out_plane = int64_t(s.out_h) * s.out_w;
  for (int n = 0; n < s.batch; ++n)
    for (int co = 0; co < s.out_c; ++co)
      detail::conv_reference_plane(s, w, x, weight, bias, n, co, y + (int64_t(n) * s.out_c + co) * out_plane);
}

}  // namespace faultbench::ops
