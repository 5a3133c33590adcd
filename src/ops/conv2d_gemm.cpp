// conv2d, optimized: a register-blocked direct GEMM over stride-phase planes of the
// zero-padded input (no im2col: tap k of output q is at offsets[k] + q), plus a direct
// kernel for depthwise convolutions.
//
// Every valid accumulator lane is one output element y[n, co, oh, ow]; it starts at +0.0f and takes
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
constexpr int kMaxNV = 6;              // vectors per tile row: up to 4 x 6 accumulators
constexpr int kMaxBlock = kMaxNV * L;  // pixels (q positions) per tile
constexpr int kSlack = kMaxBlock + 64; // zeros after the phases: garbage lanes read them

// Scratch owned by each thread (run_node may be called from several threads at once).
struct Scratch {
  AlignedBuffer phases;  // [phase][ci][hq][wq] of one or more (image, group) pairs
  AlignedBuffer plane;   // padded input plane for the depthwise kernel
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

struct Geometry {
  int cin_g, cout_g, K, nv, block;
  int64_t Q;             // q positions that hold valid outputs: (out_h - 1) * wq + out_w
  int64_t blocks;
  int64_t phase_floats;  // one (image, group) phase buffer, slack included
};

// Vectors per tile row: fewest computed lanes (valid + garbage), then the widest tile.
int choose_nv(int64_t Q) {
  int best = kMaxNV;
  double best_cost = 1e300;
  for (int nv = kMaxNV; nv >= 1; --nv) {
    const int64_t blocks = (Q + int64_t(nv) * L - 1) / (int64_t(nv) * L);
    const double cost = double(blocks * nv) * (nv <= 2 ? 1.5 : 1.0);  // 1-2 vectors: too few accumulators
    if (cost < best_cost) best = nv, best_cost = cost;
  }
  return best;
}

Geometry geometry(const Conv2dShape& s, const Conv2dPacked& pk) {
  Geometry g;
  g.cin_g = s.in_c / s.groups;
  g.cout_g = s.out_c / s.groups;
  g.K = pk.k;
  g.Q = int64_t(s.out_h - 1) * pk.wq + s.out_w;
  g.nv = choose_nv(g.Q);
  g.block = g.nv * L;
  g.blocks = (g.Q + g.block - 1) / g.block;
  g.phase_floats = (int64_t(s.stride) * s.stride * g.cin_g * pk.hq * pk.wq + kSlack + 15) / 16 * 16;
  return g;
}

// Zero-padded input of one (image, group), split into stride x stride phases:
// dst[(a*st + b)][ci][i][j] = padded[ci][i*st + a][j*st + b].
void build_phases(const Conv2dShape& s, const Conv2dPacked& pk, const Geometry& g, const float* xg, float* dst) {
  const int st = s.stride, pad = s.padding;
  std::memset(dst, 0, sizeof(float) * size_t(g.phase_floats));
  for (int ci = 0; ci < g.cin_g; ++ci)
    for (int ih = 0; ih < s.in_h; ++ih) {
      const float* row = xg + (int64_t(ci) * s.in_h + ih) * s.in_w;
      const int pr = ih + pad;
      if (st == 1) {
        std::memcpy(dst + (int64_t(ci) * pk.hq + pr) * pk.wq + pad, row, sizeof(float) * size_t(s.in_w));
        continue;
      }
      const int a = pr % st, i = pr / st;
      for (int b = 0; b < st; ++b) {
        float* d = dst + ((int64_t(a * st + b) * g.cin_g + ci) * pk.hq + i) * pk.wq;
        // columns iw with (iw + pad) % st == b land at j = (iw + pad) / st
        const int iw0 = ((b - pad) % st + st) % st;
        float* dj = d + (iw0 + pad) / st;
        for (int iw = iw0; iw < s.in_w; iw += st) *dj++ = row[iw];
      }
    }
}

// One tile: MR output channels x NV*L positions q0.. of one (image, group). Every lane
// runs acc = fma(w[k], x[offsets[k] + q], acc) over k increasing from +0.0f.
template <int NV>
void tile_kernel(int K, const float* __restrict w, const float* __restrict xb, const int32_t* __restrict offs,
                 const float* bias, int rows, float* __restrict out /*[MR][NV*L]*/) {
  vf acc[MR][NV];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) acc[r][v] = simd::zero();
  for (int k = 0; k < K; ++k) {
    const float* xk = xb + offs[k];
    vf xv[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) {
      xv[v] = simd::load(xk + v * L);
      simd::keep_in_register(xv[v]);  // load once, use MR times (else GCC re-loads per fma)
    }
    const float* wk = w + k * MR;
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const vf wv = simd::set1(wk[r]);
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) acc[r][v] = simd::fma(wv, xv[v], acc[r][v]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v)
      simd::store(out + r * NV * L + v * L, (bias && r < rows) ? simd::add(acc[r][v], simd::set1(bias[r])) : acc[r][v]);
}

using TileFn = void (*)(int, const float*, const float*, const int32_t*, const float*, int, float*);
TileFn tile_fn(int nv) {
  static const TileFn fns[kMaxNV] = {tile_kernel<1>, tile_kernel<2>, tile_kernel<3>,
                                     tile_kernel<4>, tile_kernel<5>, tile_kernel<6>};
  return fns[nv - 1];
}

// Computes output-channel tiles [t0, t1) of block b of one (image, group) from its phases.
void run_block(const Conv2dShape& s, const Conv2dPacked& pk, const Geometry& g, const float* phases, int n, int grp,
               int64_t b, int t0, int t1, const float* bias, float* y) {
  struct Run {
    int t;          // lane within the tile
    int64_t y_off;  // output pixel oh * out_w + ow
    int len;
  };
  Run runs[kMaxBlock];
  int nruns = 0;
  const int64_t q0 = b * g.block, q1 = std::min(q0 + g.block, g.Q);
  for (int64_t q = q0; q < q1;) {
    const int64_t oh = q / pk.wq;
    const int ow = int(q % pk.wq);
    if (ow >= s.out_w) {  // garbage columns between rows
      q += pk.wq - ow;
      continue;
    }
    const int len = int(std::min<int64_t>(s.out_w - ow, q1 - q));
    runs[nruns++] = {int(q - q0), oh * s.out_w + ow, len};
    q += len;
  }
  alignas(64) float tile[MR * kMaxBlock];
  const TileFn fn = tile_fn(g.nv);
  const int64_t P = int64_t(s.out_h) * s.out_w;
  for (int t = t0; t < t1; ++t) {
    const int co = grp * g.cout_g + t * MR, rows = std::min(MR, g.cout_g - t * MR);
    const float* w = pk.data.data() + (int64_t(grp) * pk.tiles + t) * g.K * MR;
    fn(g.K, w, phases + q0, pk.offsets.data(), bias ? bias + co : nullptr, rows, tile);
    for (int r = 0; r < rows; ++r) {
      float* yr = y + (int64_t(n) * s.out_c + co + r) * P;
      const float* tr = tile + r * g.block;
      for (int i = 0; i < nruns; ++i)
        std::memcpy(yr + runs[i].y_off, tr + runs[i].t, sizeof(float) * size_t(runs[i].len));
    }
  }
}

void conv_gemm(const Conv2dShape& s, const float* x, const Conv2dPacked& pk, const float* bias, float* y,
               ThreadPool* pool) {
  const Geometry g = geometry(s, pk);
  const int64_t in_plane = int64_t(s.in_h) * s.in_w;
  const int64_t pairs = int64_t(s.batch) * s.groups;  // (image, group)
  auto group_input = [&](int64_t pair) { return x + (pair / s.groups * s.in_c + pair % s.groups * g.cin_g) * in_plane; };
  const int threads = pool ? pool->size() : 1;
  if (threads == 1 || pairs >= 2 * threads) {
    // Each (image, group) on one thread: phases built once into that thread's scratch.
    parallel_range(threads == 1 ? nullptr : pool, pairs, [&](long long begin, long long end) {
      Scratch& sc = scratch();
      sc.phases.ensure(size_t(g.phase_floats));
      for (long long pair = begin; pair < end; ++pair) {
        build_phases(s, pk, g, group_input(pair), sc.phases.data());
        for (int64_t b = 0; b < g.blocks; ++b)
          run_block(s, pk, g, sc.phases.data(), int(pair / s.groups), int(pair % s.groups), b, 0, pk.tiles, bias, y);
      }
    });
    return;
  }
  // Few images: build all phases first (in the calling thread's scratch, which outlives
  // the parallel loops), then split blocks and output-channel tiles over the pool.
  Scratch& sc = scratch();
  sc.phases.ensure(size_t(g.phase_floats * pairs));
  float* all = sc.phases.data();
  parallel_range(pool, pairs, [&](long long begin, long long end) {
    for (long long pair = begin; pair < end; ++pair) build_phases(s, pk, g, group_input(pair), all + pair * g.phase_floats);
  });
  const int64_t base = pairs * g.blocks;
  const int splits = int(std::max<int64_t>(1, std::min<int64_t>(pk.tiles, (2 * threads + base - 1) / base)));
  parallel_range(pool, base * splits, [&](long long begin, long long end) {
    for (long long item = begin; item < end; ++item) {
      const int split = int(item % splits);
      const int64_t b = (item / splits) % g.blocks, pair = item / splits / g.blocks;
      const int t0 = int(int64_t(pk.tiles) * split / splits), t1 = int(int64_t(pk.tiles) * (split + 1) / splits);
      run_block(s, pk, g, all + pair * g.phase_floats, int(pair / s.groups), int(pair % s.groups), b, t0, t1, bias, y);
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
