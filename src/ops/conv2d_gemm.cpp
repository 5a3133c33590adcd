// conv2d, optimized: im2col panels of kBlock pixels times packed weights in a
// register-blocked micro-kernel, plus a direct kernel for depthwise convolutions.
//
// Every accumulator lane is one output element y[n, co, p]; it starts at +0.0f and takes
// one fma per reduction index k = (ci, kh, kw) in increasing order, exactly as
// conv2d_reference does, so the two agree bit for bit. Work is split over images, groups,
// pixel blocks and output-channel tiles; a sum is never split.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "faultbench/ops/conv2d.h"
#include "faultbench/parallel.h"
#include "simd.h"

namespace faultbench::ops {

namespace {

using simd::vf;
constexpr int L = simd::kLanes;
constexpr int MR = kConvTileRows;
constexpr int NV = 4;           // vectors per tile row
constexpr int kBlock = NV * L;  // pixels per panel

// Scratch owned by each thread (run_node may be called from several threads at once).
struct Scratch {
  AlignedBuffer panel;  // [k][kBlock]
  AlignedBuffer plane;  // padded input plane for the depthwise kernel
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// acc[r][v] over k; x rows are ldx apart; w is [k][MR]. Writes rows < rows, pixels < valid.
void micro_kernel(int K, const float* __restrict w, const float* __restrict x, int64_t ldx, float* __restrict y,
                  int64_t ldy, int rows, int valid, const float* bias) {
  vf acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) acc[r][v] = simd::zero();
  for (int k = 0; k < K; ++k) {
    const float* xk = x + k * ldx;
    vf xv[NV];
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) xv[v] = simd::load(xk + v * L);
    const float* wk = w + k * MR;
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const vf wv = simd::set1(wk[r]);
#pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) acc[r][v] = simd::fma(wv, xv[v], acc[r][v]);
    }
  }
  alignas(64) float tmp[L];
  for (int r = 0; r < rows; ++r) {
    float* yr = y + r * ldy;
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) {
      vf o = bias ? simd::add(acc[r][v], simd::set1(bias[r])) : acc[r][v];
      if ((v + 1) * L <= valid) {
        simd::store(yr + v * L, o);
      } else if (v * L < valid) {
        simd::store(tmp, o);
        std::memcpy(yr + v * L, tmp, sizeof(float) * size_t(valid - v * L));
      }
    }
  }
}

// One run of consecutive pixels of a block that lie in the same output row.
struct Run {
  int j, oh, ow, len;
};

// panel[k][j] = x[ci, oh*s - p + kh, ow*s - p + kw] (0 outside) for pixels p0 + j < P, else 0.
void pack_panel(const Conv2dShape& s, const float* xg, int64_t p0, float* panel) {
  const int64_t P = int64_t(s.out_h) * s.out_w;
  Run runs[kBlock];
  int nruns = 0, j = 0;
  for (int64_t p = p0; j < kBlock && p < P;) {
    const int oh = int(p / s.out_w), ow = int(p % s.out_w);
    const int len = int(std::min<int64_t>({int64_t(s.out_w - ow), int64_t(kBlock - j), P - p}));
    runs[nruns++] = {j, oh, ow, len};
    j += len;
    p += len;
  }
  const int used = j, kk = s.kernel, K = (s.in_c / s.groups) * kk * kk;
  const int64_t in_plane = int64_t(s.in_h) * s.in_w;
  for (int k = 0; k < K; ++k) {
    const int ci = k / (kk * kk), kh = (k / kk) % kk, kw = k % kk;
    const float* plane = xg + ci * in_plane;
    float* dst = panel + int64_t(k) * kBlock;
    for (int r = 0; r < nruns; ++r) {
      const Run& run = runs[r];
      float* d = dst + run.j;
      const int ih = run.oh * s.stride - s.padding + kh;
      if (ih < 0 || ih >= s.in_h) {
        std::memset(d, 0, sizeof(float) * size_t(run.len));
        continue;
      }
      const float* row = plane + int64_t(ih) * s.in_w;
      const int iw0 = run.ow * s.stride - s.padding + kw;
      if (s.stride == 1) {
        const int lead = std::clamp(-iw0, 0, run.len);
        const int stop = std::clamp(s.in_w - iw0, lead, run.len);
        for (int t = 0; t < lead; ++t) d[t] = 0.0f;
        std::memcpy(d + lead, row + iw0 + lead, sizeof(float) * size_t(stop - lead));
        for (int t = stop; t < run.len; ++t) d[t] = 0.0f;
      } else {
        for (int t = 0; t < run.len; ++t) {
          const int iw = iw0 + t * s.stride;
          d[t] = (iw >= 0 && iw < s.in_w) ? row[iw] : 0.0f;
        }
      }
    }
    for (int t = used; t < kBlock; ++t) dst[t] = 0.0f;
  }
}

void conv_gemm(const Conv2dShape& s, const float* x, const Conv2dPacked& pk, const float* bias, float* y,
               ThreadPool* pool) {
  const int cin_g = s.in_c / s.groups, cout_g = s.out_c / s.groups, K = pk.k;
  const int64_t P = int64_t(s.out_h) * s.out_w, in_plane = int64_t(s.in_h) * s.in_w;
  const int64_t blocks = (P + kBlock - 1) / kBlock;
  const int64_t base_items = int64_t(s.batch) * s.groups * blocks;
  // Split output-channel tiles too when there are too few (image, block) items for the threads.
  const int threads = pool ? pool->size() : 1;
  int splits = 1;
  if (base_items < 2 * threads) splits = int(std::min<int64_t>(pk.tiles, (2 * threads + base_items - 1) / base_items));
  const bool one_by_one = s.kernel == 1 && s.stride == 1 && s.padding == 0;
  parallel_range(pool, base_items * splits, [&](long long begin, long long end) {
    Scratch& sc = scratch();
    sc.panel.ensure(size_t(K) * kBlock);
    for (long long item = begin; item < end; ++item) {
      const int split = int(item % splits);
      const int64_t rest = item / splits;
      const int64_t b = rest % blocks;
      const int g = int((rest / blocks) % s.groups);
      const int n = int(rest / blocks / s.groups);
      const int64_t p0 = b * kBlock;
      const int valid = int(std::min<int64_t>(kBlock, P - p0));
      const float* xg = x + (int64_t(n) * s.in_c + int64_t(g) * cin_g) * in_plane;
      const float* xp;
      int64_t ldx;
      if (one_by_one && valid == kBlock) {
        xp = xg + p0;  // a 1x1 stride-1 conv reads its panel rows straight from the input
        ldx = in_plane;
      } else {
        pack_panel(s, xg, p0, sc.panel.data());
        xp = sc.panel.data();
        ldx = kBlock;
      }
      const int t0 = int(int64_t(pk.tiles) * split / splits), t1 = int(int64_t(pk.tiles) * (split + 1) / splits);
      for (int t = t0; t < t1; ++t) {
        const int co = g * cout_g + t * MR;
        const float* w = pk.data.data() + (int64_t(g) * pk.tiles + t) * K * MR;
        micro_kernel(K, w, xp, ldx, y + (int64_t(n) * s.out_c + co) * P + p0, P, std::min(MR, cout_g - t * MR),
                     valid, bias ? bias + co : nullptr);
      }
    }
  });
}

// Depthwise (one input channel per group): per output channel, a zero-padded copy of its
// input plane, then for each output pixel the k*k fmas in (kh, kw) order.
void conv_depthwise(const Conv2dShape& s, const float* x, const Conv2dPacked& pk, const float* bias, float* y,
                    ThreadPool* pool) {
  const int cout_g = s.out_c / s.groups, k = s.kernel, st = s.stride, pad = s.padding;
  const int hp = s.in_h + 2 * pad, wp = s.in_w + 2 * pad;
  const int64_t in_plane = int64_t(s.in_h) * s.in_w, out_plane = int64_t(s.out_h) * s.out_w;
  parallel_range(pool, int64_t(s.batch) * s.out_c, [&](long long begin, long long end) {
    Scratch& sc = scratch();
    sc.plane.ensure(size_t(hp) * wp);
    float* pp = sc.plane.data();
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
    }
  });
}

}  // namespace

void conv2d_optimized(const Conv2dShape& s, const float* x, const Conv2dPacked& pack, const float* bias, float* y,
                      ThreadPool* pool) {
  validate_conv2d(s);
  const Conv2dShape& p = pack.shape;
  if (p.in_c != s.in_c || p.out_c != s.out_c || p.kernel != s.kernel || p.groups != s.groups ||
      p.in_h != s.in_h || p.in_w != s.in_w || p.stride != s.stride || p.padding != s.padding)
    shape_error("conv2d", "packed weights were prepared for a different shape");
  if (s.batch == 0) return;
  if (pack.depthwise)
    conv_depthwise(s, x, pack, bias, y, pool);
  else
    conv_gemm(s, x, pack, bias, y, pool);
}

}  // namespace faultbench::ops
