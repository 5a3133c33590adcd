// conv2d: the shape rules and the scalar reference kernel, which defines the bits every
// optimized path reproduces.
#include <cmath>
#include <cstdint>
#include <string>

#include "faultbench/ops/conv2d.h"

namespace faultbench::ops {

namespace {
std::string str(int v) { return std::to_string(v); }
}  // namespace

void validate_conv2d(const Conv2dShape& s) {
  const char* op = "conv2d";
  if (s.batch < 0) shape_error(op, "batch must be >= 0, got " + str(s.batch));
  if (s.in_c <= 0 || s.in_h <= 0 || s.in_w <= 0)
    shape_error(
        op, "input channels/height/width must be positive, got " + str(s.in_c) + "x" + str(s.in_h) + "x" + str(s.in_w));
  if (s.out_c <= 0) shape_error(op, "output channels must be positive, got " + str(s.out_c));
  if (s.kernel <= 0 || s.stride <= 0 || s.padding < 0)
    shape_error(op, "kernel and stride must be positive and padding >= 0, got kernel " + str(s.kernel) + ", stride " +
                        str(s.stride) + ", padding " + str(s.padding));
  if (s.groups <= 0 || s.in_c % s.groups != 0 || s.out_c % s.groups != 0)
    shape_error(op, "groups (" + str(s.groups) + ") must divide input channels (" + str(s.in_c) +
                        ") and output channels (" + str(s.out_c) + ")");
  const int64_t span_h = int64_t(s.in_h) + 2 * int64_t(s.padding) - s.kernel;
  const int64_t span_w = int64_t(s.in_w) + 2 * int64_t(s.padding) - s.kernel;
  if (span_h < 0 || span_w < 0)
    shape_error(op, "kernel " + str(s.kernel) + " larger than the padded input " + str(s.in_h) + "x" + str(s.in_w) +
                        " (padding " + str(s.padding) + ")");
  if (s.out_h != span_h / s.stride + 1 || s.out_w != span_w / s.stride + 1)
    shape_error(op, "output size " + str(s.out_h) + "x" + str(s.out_w) + " differs from floor((in + 2p - k)/s) + 1 = " +
                        std::to_string(span_h / s.stride + 1) + "x" + std::to_string(span_w / s.stride + 1));
}

void conv2d_reference(const Conv2dShape& s, const float* x, const float* weight, const float* bias, float* y) {
  validate_conv2d(s);
  const int cin_g = s.in_c / s.groups, cout_g = s.out_c / s.groups, k = s.kernel;
  const int64_t in_plane = int64_t(s.in_h) * s.in_w, out_plane = int64_t(s.out_h) * s.out_w;
  for (int n = 0; n < s.batch; ++n) {
    for (int co = 0; co < s.out_c; ++co) {
      const int g = co / cout_g;
      const float* wco = weight + int64_t(co) * cin_g * k * k;
      float* yp = y + (int64_t(n) * s.out_c + co) * out_plane;
      for (int oh = 0; oh < s.out_h; ++oh) {
        for (int ow = 0; ow < s.out_w; ++ow) {
          float acc = 0.0f;
          for (int cl = 0; cl < cin_g; ++cl) {
            const float* plane = x + (int64_t(n) * s.in_c + int64_t(g) * cin_g + cl) * in_plane;
            for (int kh = 0; kh < k; ++kh) {
              const int ih = oh * s.stride - s.padding + kh;
              for (int kw = 0; kw < k; ++kw) {
                const int iw = ow * s.stride - s.padding + kw;
                // Padded positions take part as 0.0f (an Inf/NaN weight makes NaN there).
                const float xv =
                    (ih >= 0 && ih < s.in_h && iw >= 0 && iw < s.in_w) ? plane[int64_t(ih) * s.in_w + iw] : 0.0f;
                acc = std::fma(wco[(cl * k + kh) * k + kw], xv, acc);
              }
            }
          }
          yp[int64_t(oh) * s.out_w + ow] = bias ? acc + bias[co] : acc;
        }
      }
    }
  }
}

}  // namespace faultbench::ops
