// conv2d, depthwise path: one input channel per group.
// Depthwise: per output channel, a zero-padded copy of its input plane, then for each
// output pixel the k*k fmas in (kh, kw) order from +0.0f, exactly as conv2d_reference.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "faultbench/util/parallel.h"
#include "faultbench/ops/conv2d.h"
#include "layout.h"

#include "ops/simd/begin_target.h"
#include "internal.h"

namespace faultbench::ops::FAULTBENCH_SIMD_NS {

namespace detail {

namespace {
using simd::vf;
constexpr int L = simd::kLanes;

AlignedBuffer& plane_scratch() {
  thread_local AlignedBuffer b;  // run_node may be called from several threads at once
  return b;
}
}  // namespace

void conv_depthwise(const Conv2dShape& s, const float* x, const Conv2dLayout& pk, const float* bias, float* y,
                    ThreadPool* pool, const ConvEpilogue& epi) {
  const int cout_g = s.out_c / s.groups, k = s.kernel, st = s.stride, pad = s.padding;
  const int hp = s.in_h + 2 * pad, wp = s.in_w + 2 * pad;
  const int64_t in_plane = int64_t(s.in_h) * s.in_w, out_plane = int64_t(s.out_h) * s.out_w;
  parallel_range(pool, int64_t(s.batch) * s.out_c, [&](long long begin, long long end) {
    AlignedBuffer& buf = plane_scratch();
    buf.ensure(size_t(hp) * wp);
    float* pp = buf.data();
    for (long long item = begin; item < end; ++item) {
      const int n = int(item / s.out_c), co = int(item % s.out_c), ci = co / cout_g;
      const float* src = x + (int64_t(n) * s.in_c + ci) * in_plane;
      std::fill(pp, pp + int64_t(hp) * wp, 0.0f);
      for (int h = 0; h < s.in_h; ++h)
        std::memcpy(pp + int64_t(h + pad) * wp + pad, src + int64_t(h) * s.in_w, sizeof(float) * size_t(s.in_w));
      const float* w = pk.data.data() + int64_t(co) * k * k;
      float* yp = y + (int64_t(n) * s.out_c + co) * out_plane;
      for (int oh = 0; oh < s.out_h; ++oh) {
        int ow = 0;
        if (st == 1) {
          for (; ow + L <= s.out_w; ow += L) {
            vf acc = simd::zero();
            for (int kh = 0; kh < k; ++kh)
              for (int kw = 0; kw < k; ++kw)
                acc = simd::fma(simd::set1(w[kh * k + kw]), simd::load(pp + int64_t(oh + kh) * wp + ow + kw), acc);
            if (bias) acc = simd::add(acc, simd::set1(bias[co]));
            simd::store(yp + int64_t(oh) * s.out_w + ow, acc);
          }
        }
        for (; ow < s.out_w; ++ow) {
          float acc = 0.0f;
          for (int kh = 0; kh < k; ++kh)
            for (int kw = 0; kw < k; ++kw)
              acc = std::fma(w[kh * k + kw], pp[int64_t(oh * st + kh) * wp + ow * st + kw], acc);
          yp[int64_t(oh) * s.out_w + ow] = bias ? acc + bias[co] : acc;
        }
      }
      if (!epi.empty())  // in place, while the plane is in cache
        conv2d_epilogue(epi, co, yp, epi.residual ? epi.residual + (yp - y) : nullptr, yp, out_plane);
    }
  });
}

}  // namespace detail

}  // namespace faultbench::ops::FAULTBENCH_SIMD_NS

#include "ops/simd/end_target.h"
