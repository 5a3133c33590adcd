// The int8 conv's scalar reference and the requantization every kernel shares
// (faultbench/ops/qconv.h, docs/NUMERICS.md "int8").
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "faultbench/ops/qconv.h"

namespace faultbench::ops {

float qrequant_one(const QRequant& r, int c, int32_t acc) {
  // Integer bias first, in int32 with two's complement wrap as the vector kernels' vpaddd
  // (a fault-free bias cannot wrap: qconv_pack and the graph rewrite bound |sum| + |bias|
  // below 2^31; a fault in the bias's bit 30 or 31 can), then one fp64 product: exact for
  // |acc| < 2^29 (24 + 29 bits), correctly rounded otherwise, so NumPy's float64 product
  // gives the same.
  const int32_t sum = int32_t(uint32_t(acc) + (r.bias ? uint32_t(r.bias[c]) : 0u));
  const double v = double(sum) * double(r.multiplier[c]);
  if (r.dequantize) return float(v);
  // Saturate, then round half to even (ONNX QuantizeLinear, np.rint); the same as rounding
  // first, the bounds being integers. qrequant_rne never gives -0.0.
  const double lo = r.relu ? 0.0 : -128.0;
  return float(qrequant_rne(std::min(std::max(v, lo), 127.0)));
}

void qconv_reference(const Conv2dShape& s, const float* x, const int8_t* weight, const QRequant& r, float* y) {
  validate_conv2d(s);
  const Window2d w = s.window();
  const int cig = s.in_c / s.groups, cog = s.out_c / s.groups;
  for (int n = 0; n < s.batch; ++n)
    for (int co = 0; co < s.out_c; ++co) {
      const int g = co / cog;
      const int8_t* wc = weight + int64_t(co) * cig * w.kernel_h * w.kernel_w;
      for (int oh = 0; oh < s.out_h; ++oh)
        for (int ow = 0; ow < s.out_w; ++ow) {
          int32_t acc = 0;
          for (int ci = 0; ci < cig; ++ci) {
            const float* xc = x + (int64_t(n) * s.in_c + int64_t(g) * cig + ci) * s.in_h * s.in_w;
            for (int kh = 0; kh < w.kernel_h; ++kh) {
              const int ih = oh * w.stride_h - w.pad_top + kh * w.dilation_h;
              if (ih < 0 || ih >= s.in_h) continue;
              for (int kw = 0; kw < w.kernel_w; ++kw) {
                const int iw = ow * w.stride_w - w.pad_left + kw * w.dilation_w;
                if (iw < 0 || iw >= s.in_w) continue;
                acc += int32_t(xc[ih * s.in_w + iw]) * int32_t(wc[(ci * w.kernel_h + kh) * w.kernel_w + kw]);
              }
            }
          }
          y[((int64_t(n) * s.out_c + co) * s.out_h + oh) * s.out_w + ow] = qrequant_one(r, co, acc);
        }
    }
}

}  // namespace faultbench::ops
