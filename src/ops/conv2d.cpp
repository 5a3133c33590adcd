// conv2d: shape rules, the scalar reference kernel and weight packing.
// The optimized kernels are in conv2d_gemm.cpp.
#include <cmath>
#include <climits>
#include <cstdint>
#include <string>

#include "faultbench/ops/conv2d.h"
#include "simd.h"

namespace faultbench::ops {

namespace {
std::string str(int v) { return std::to_string(v); }
}  // namespace

void validate_conv2d(const Conv2dShape& s) {
  const char* op = "conv2d";
  if (s.batch < 0) shape_error(op, "batch must be >= 0, got " + str(s.batch));
  if (s.in_c <= 0 || s.in_h <= 0 || s.in_w <= 0)
    shape_error(op, "input channels/height/width must be positive, got " + str(s.in_c) + "x" + str(s.in_h) +
                        "x" + str(s.in_w));
  if (s.out_c <= 0) shape_error(op, "output channels must be positive, got " + str(s.out_c));
  if (s.kernel <= 0 || s.stride <= 0 || s.padding < 0)
    shape_error(op, "kernel and stride must be positive and padding >= 0, got kernel " + str(s.kernel) +
                        ", stride " + str(s.stride) + ", padding " + str(s.padding));
  if (s.groups <= 0 || s.in_c % s.groups != 0 || s.out_c % s.groups != 0)
    shape_error(op, "groups (" + str(s.groups) + ") must divide input channels (" + str(s.in_c) +
                        ") and output channels (" + str(s.out_c) + ")");
  const int64_t span_h = int64_t(s.in_h) + 2 * int64_t(s.padding) - s.kernel;
  const int64_t span_w = int64_t(s.in_w) + 2 * int64_t(s.padding) - s.kernel;
  if (span_h < 0 || span_w < 0)
    shape_error(op, "kernel " + str(s.kernel) + " larger than the padded input " + str(s.in_h) + "x" +
                        str(s.in_w) + " (padding " + str(s.padding) + ")");
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
                const float xv = (ih >= 0 && ih < s.in_h && iw >= 0 && iw < s.in_w) ? plane[int64_t(ih) * s.in_w + iw]
                                                                                       : 0.0f;
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

Conv2dPacked conv2d_pack(const Conv2dShape& s, const float* weight) {
  validate_conv2d(s);
  Conv2dPacked p;
  p.shape = s;
  const int cin_g = s.in_c / s.groups, cout_g = s.out_c / s.groups;
  p.k = cin_g * s.kernel * s.kernel;
  p.depthwise = cin_g == 1;
  if (p.depthwise) {
    // [out_c][k*k]: the weights as they are.
    p.data.resize(size_t(s.out_c) * p.k);
    for (int64_t i = 0; i < int64_t(s.out_c) * p.k; ++i) p.data.data()[i] = weight[i];
    return p;
  }
  // [groups][tiles][k][tile_rows]: the tile_rows weights of one reduction step are
  // adjacent, so the GEMM micro-kernel broadcasts them from one cache line and the
  // channel-major one loads them as one vector. Missing rows are 0.
  const int st = s.stride, kk = s.kernel;
  p.hq = (s.in_h + 2 * s.padding + st - 1) / st;
  p.wq = (s.in_w + 2 * s.padding + st - 1) / st;
  const int64_t plane = int64_t(p.hq) * p.wq;
  if (int64_t(st) * st * cin_g * plane + 4096 > INT32_MAX) shape_error("conv2d", "input too large for the packed kernel");
  p.offsets.resize(size_t(p.k));
  for (int kk_i = 0; kk_i < p.k; ++kk_i) {
    const int ci = kk_i / (kk * kk), kh = (kk_i / kk) % kk, kw = kk_i % kk;
    const int64_t phase = int64_t(kh % st) * st + kw % st;
    p.offsets[size_t(kk_i)] = int32_t(((phase * cin_g + ci) * p.hq + kh / st) * p.wq + kw / st);
  }
  // Maps under 64 positions fill few position vectors (a 2x2 map uses 4 of 16 lanes):
  // vectorize over output channels there instead.
  p.channel_major = simd::kLanes > 1 && int64_t(s.out_h) * s.out_w < 64 && cout_g >= simd::kLanes;
  const int MR = p.tile_rows = p.channel_major ? simd::kLanes : kConvTileRows;
  p.tiles = (cout_g + MR - 1) / MR;
  p.data.resize(size_t(s.groups) * p.tiles * p.k * MR);
  float* d = p.data.data();
  for (int g = 0; g < s.groups; ++g)
    for (int t = 0; t < p.tiles; ++t)
      for (int kk = 0; kk < p.k; ++kk)
        for (int r = 0; r < MR; ++r) {
          const int col = t * MR + r;  // output channel within the group
          *d++ = col < cout_g ? weight[(int64_t(g) * cout_g + col) * p.k + kk] : 0.0f;
        }
  return p;
}

void conv2d_pack_set(Conv2dPacked& p, int64_t index, float value) {
  const Conv2dShape& s = p.shape;
  const int64_t count = int64_t(s.out_c) * p.k;
  if (index < 0 || index >= count)
    shape_error("conv2d", "weight index " + std::to_string(index) + " outside the " + std::to_string(count) +
                              " weights");
  if (p.depthwise) {  // [out_c][k]: the weights as they are
    p.data.data()[index] = value;
    return;
  }
  const int MR = p.tile_rows;
  const int cout_g = s.out_c / s.groups;
  const int co = int(index / p.k), kk = int(index % p.k);
  const int g = co / cout_g, col = co % cout_g;
  p.data.data()[((int64_t(g) * p.tiles + col / MR) * p.k + kk) * MR + col % MR] = value;
}

}  // namespace faultbench::ops
