// conv2d, optimized GEMM path: a register-blocked direct convolution over stride-phase
// planes of the zero-padded input. No im2col: tap k of the output at phase position q
// reads offsets[k] + q (conv2d.h), so a vector of outputs is one unaligned load per tap.
//
// Every stored accumulator lane is one output element y[n, co, oh, ow]; it starts at +0.0f
// and takes one fma per reduction index k = (ci, kh, kw) in increasing order, exactly as
// conv2d_reference does, so the two agree bit for bit. Lanes that fall on padding columns
// or past the end are computed on whatever lies there and never stored. Work is split
// over images, groups, vector blocks and output-channel tiles; a sum is never split.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "faultbench/util/parallel.h"
#include "faultbench/ops/conv2d.h"
#include "layout.h"

#include "ops/simd/begin_target.h"
#include "internal.h"

namespace faultbench::ops::FAULTBENCH_SIMD_NS::detail {

namespace {

using simd::vf;
constexpr int L = simd::kLanes;
constexpr int MR = kConvTileRows;
constexpr int kMaxNV = 6;                    // vectors per tile: up to 4 x 6 accumulators
constexpr int kSlack = 2 * kMaxNV * L + 64;  // zeros after the phases: unstored lanes read them

// The geometry (GemmVec, GemmSeg: layout.h) is planned once per packed layer (plan_gemm).
using VecDesc = GemmVec;
using Seg = GemmSeg;
using Geometry = GemmGeometry;

// Three ways to cover the output plane with vectors; the one with the fewest computed
// lanes wins. Q: consecutive phase positions (rows of wq, padding columns unstored).
// R: each vector inside one output row. S: half a vector per row, two rows per vector.
void cover(const Conv2dShape& s, const Conv2dLayout& pk, int mode, Geometry* g) {
  g->vecs.clear();
  g->segs.clear();
  const int64_t wq = pk.wq, Ho = s.out_h, Wo = s.out_w, Q = (Ho - 1) * wq + Wo;
  auto vec = [&](int64_t lo, int64_t hi) { g->vecs.push_back({lo, hi, int(g->segs.size()), int(g->segs.size())}); };
  auto seg = [&](int64_t off, uint32_t mask) {
    if (mask == 0) return;
    g->segs.push_back({off, mask});
    g->vecs.back().seg_end++;
  };
  auto lanes = [](int from, int to) { return uint32_t(((uint64_t(1) << to) - 1) & ~((uint64_t(1) << from) - 1)); };
  if (mode == 0) {
    for (int64_t q0 = 0; q0 < Q; q0 += L) {
      vec(q0, q0 + L / 2);
      for (int i = 0; i < L;) {  // one segment per output row the vector touches
        const int64_t oh = (q0 + i) / wq;
        const int end = int(std::min<int64_t>(L, (oh + 1) * wq - q0));
        const int valid_end = int(std::min<int64_t>({int64_t(end), oh * wq + Wo - q0, Q - q0}));
        if (valid_end > i) seg(q0 - oh * (wq - Wo), lanes(i, valid_end));
        i = end;
      }
    }
  } else if (mode == 1) {
    for (int64_t oh = 0; oh < Ho; ++oh)
      for (int64_t col = 0; col < Wo; col += L) {
        vec(oh * wq + col, oh * wq + col + L / 2);
        seg(oh * Wo + col, lanes(0, int(std::min<int64_t>(L, Wo - col))));
      }
  } else {
    for (int64_t oh = 0; oh < Ho; oh += 2) {
      const bool pair = oh + 1 < Ho;
      vec(oh * wq, pair ? (oh + 1) * wq : oh * wq);
      seg(oh * Wo, lanes(0, int(Wo)));
      if (pair) seg((oh + 1) * Wo - L / 2, lanes(L / 2, L / 2 + int(Wo)));
    }
  }
}

int64_t padded(int64_t v, int nv) { return (v + nv - 1) / nv * nv; }

int choose_nv(int64_t vectors) {
  if (vectors <= 2) return int(vectors);
  int best = kMaxNV;
  for (int nv = kMaxNV; nv >= 3; --nv)
    if (padded(vectors, nv) < padded(vectors, best)) best = nv;
  return best;
}

}  // namespace

void plan_gemm(Conv2dLayout& pk) {
  const Conv2dShape& s = pk.shape;
  Geometry& g = pk.gemm;
  g.cin_g = s.in_c / s.groups;
  g.cout_g = s.out_c / s.groups;
  g.K = pk.k;
  const Window2d w = s.window();
  g.phase_floats = (int64_t(w.stride_h) * w.stride_w * g.cin_g * pk.hq * pk.wq + kSlack + 15) / 16 * 16;
  int best_mode = 0;
  int64_t best_cost = INT64_MAX;
  const int modes = (L >= 4 && s.out_w <= L / 2) ? 3 : 2;
  for (int mode = 0; mode < modes; ++mode) {
    cover(s, pk, mode, &g);
    const int64_t cost = padded(int64_t(g.vecs.size()), choose_nv(int64_t(g.vecs.size())));
    if (cost < best_cost) best_cost = cost, best_mode = mode;
  }
  cover(s, pk, best_mode, &g);
  g.split = best_mode == 2;
  g.nv = choose_nv(int64_t(g.vecs.size()));
  const VecDesc filler{g.vecs.back().lo, g.vecs.back().hi, 0, 0};
  while (g.vecs.size() % size_t(g.nv)) g.vecs.push_back(filler);
  g.blocks = int64_t(g.vecs.size()) / g.nv;
}

namespace {

// Per-tile epilogue: bias, folded batch norm and (without a residual) ReLU are applied in
// registers; the residual add and the ReLU after it on the way to memory.
struct TileOut {
  const float* bias = nullptr;  // [MR] at the tile's first channel, or null
  const float* alpha = nullptr;
  const float* beta = nullptr;
  bool relu_early = false, relu_late = false, res_first = false;
  Rounding round = Rounding::None;  // after the conv, the batch norm and the add
  float* y[MR] = {};                // output plane of each live row
  const float* res[MR] = {};        // residual plane of each live row, or null
  const Seg* segs = nullptr;
};

template <bool Rounds>
inline float finish_lane(float v, const float* res, bool res_first, bool relu_late, Rounding round) {
  if (res) {
    v = res_first ? *res + v : v + *res;
    if constexpr (Rounds) v = round_value(round, v);
  }
  return relu_late && v < 0.0f ? 0.0f : v;
}

// Rounds (a template argument, so that fp32's kernels are the code they were): the
// epilogue rounds to to.round (ConvEpilogue::round).
template <bool Rounds>
inline void store_vector(vf o, const VecDesc& vd, const TileOut& to, int r) {
  for (int i = vd.seg_begin; i < vd.seg_end; ++i) {
    const Seg& sg = to.segs[i];
    float* y = to.y[r] + sg.off;
    const float* res = to.res[r] ? to.res[r] + sg.off : nullptr;
#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
    const __mmask16 m = __mmask16(sg.mask);
    vf u = o;
    if (res) {
      const vf rv = _mm512_maskz_loadu_ps(m, res);
      u = to.res_first ? simd::add(rv, o) : simd::add(o, rv);
      if constexpr (Rounds) u = round_lanes(u, to.round);
      if (to.relu_late) u = simd::relu(u);
    }
    _mm512_mask_storeu_ps(y, m, u);
#else
    alignas(64) float lane[L];
    simd::store(lane, o);
    for (int j = 0; j < L; ++j)
      if (sg.mask >> j & 1u)
        y[j] = finish_lane<Rounds>(lane[j], res ? res + j : nullptr, to.res_first, to.relu_late, to.round);
#endif
  }
}

// R: the rows computed, MR, or 1 for a tile with one live row (the campaign's one-channel
// convs of the faulty channel), which would otherwise spend 3 of 4 fmas on padding rows.
template <int NV, bool Split, int R, bool Rounds>
void tile_kernel(int K, const float* __restrict w, const float* __restrict phases, const int32_t* __restrict offs,
                 const VecDesc* vd, int rows, const TileOut& to) {
  const float* lo[NV];
  const float* hi[NV];
  for (int v = 0; v < NV; ++v) lo[v] = phases + vd[v].lo, hi[v] = phases + vd[v].hi;
  vf acc[R][NV];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) acc[r][v] = simd::zero();
  for (int k = 0; k < K; ++k) {
    const int32_t off = offs[k];
    vf xv[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) {
      xv[v] = Split ? simd::load_halves(lo[v] + off, hi[v] + off) : simd::load(lo[v] + off);
      simd::keep_in_register(xv[v]);  // load once, use MR times (else GCC re-loads per fma)
    }
    const float* wk = w + k * MR;
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const vf wv = simd::set1(wk[r]);
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) acc[r][v] = simd::fma(wv, xv[v], acc[r][v]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    if (r >= rows) break;  // rows past the last channel hold zeros and are never stored
    const vf bias = simd::set1(to.bias ? to.bias[r] : 0.0f);
    const vf alpha = simd::set1(to.alpha ? to.alpha[r] : 0.0f);
    const vf beta = simd::set1(to.alpha ? to.beta[r] : 0.0f);
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) {
      vf o = acc[r][v];
      if (to.bias) o = simd::add(o, bias);
      if constexpr (Rounds) o = round_lanes(o, to.round);
      if (to.alpha) {
        o = simd::add(simd::mul(o, alpha), beta);
        if constexpr (Rounds) o = round_lanes(o, to.round);
      }
      if (to.relu_early) o = simd::relu(o);
      store_vector<Rounds>(o, vd[v], to, r);
    }
  }
}

using TileFn = void (*)(int, const float*, const float*, const int32_t*, const VecDesc*, int, const TileOut&);
template <bool Rounds>
TileFn tile_fn_of(int nv, bool split, int rows) {
  static const TileFn plain[kMaxNV] = {tile_kernel<1, false, MR, Rounds>, tile_kernel<2, false, MR, Rounds>,
                                       tile_kernel<3, false, MR, Rounds>, tile_kernel<4, false, MR, Rounds>,
                                       tile_kernel<5, false, MR, Rounds>, tile_kernel<6, false, MR, Rounds>};
  static const TileFn halves[kMaxNV] = {tile_kernel<1, true, MR, Rounds>, tile_kernel<2, true, MR, Rounds>,
                                        tile_kernel<3, true, MR, Rounds>, tile_kernel<4, true, MR, Rounds>,
                                        tile_kernel<5, true, MR, Rounds>, tile_kernel<6, true, MR, Rounds>};
  static const TileFn plain1[kMaxNV] = {tile_kernel<1, false, 1, Rounds>, tile_kernel<2, false, 1, Rounds>,
                                        tile_kernel<3, false, 1, Rounds>, tile_kernel<4, false, 1, Rounds>,
                                        tile_kernel<5, false, 1, Rounds>, tile_kernel<6, false, 1, Rounds>};
  static const TileFn halves1[kMaxNV] = {tile_kernel<1, true, 1, Rounds>, tile_kernel<2, true, 1, Rounds>,
                                         tile_kernel<3, true, 1, Rounds>, tile_kernel<4, true, 1, Rounds>,
                                         tile_kernel<5, true, 1, Rounds>, tile_kernel<6, true, 1, Rounds>};
  if (rows == 1) return split ? halves1[nv - 1] : plain1[nv - 1];
  return split ? halves[nv - 1] : plain[nv - 1];
}
TileFn tile_fn(int nv, bool split, int rows, Rounding round) {
  return round != Rounding::None ? tile_fn_of<true>(nv, split, rows) : tile_fn_of<false>(nv, split, rows);
}

// Output-channel tiles [t0, t1) of vector block b of one (image, group).
void run_block(const Conv2dShape& s, const Conv2dLayout& pk, const Geometry& g, const float* phases, int n, int grp,
               int64_t b, int t0, int t1, const float* bias, float* y, const ConvEpilogue& epi) {
  const int64_t P = int64_t(s.out_h) * s.out_w;
  const VecDesc* vd = g.vecs.data() + b * g.nv;
  for (int t = t0; t < t1; ++t) {
    const int co = grp * g.cout_g + t * MR, rows = std::min(MR, g.cout_g - t * MR);
    const TileFn fn = tile_fn(g.nv, g.split, rows, epi.round);
    TileOut to;
    to.bias = bias ? bias + co : nullptr;
    to.alpha = epi.alpha ? epi.alpha + co : nullptr;
    to.beta = epi.alpha ? epi.beta + co : nullptr;
    to.relu_late = epi.relu && epi.residual;  // the ReLU must follow the residual add
    to.relu_early = epi.relu && !epi.residual;
    to.res_first = epi.residual_first;
    to.round = epi.round;
    to.segs = g.segs.data();
    for (int r = 0; r < rows; ++r) {
      const int64_t plane = (int64_t(n) * s.out_c + co + r) * P;
      to.y[r] = y + plane;
      to.res[r] = epi.residual ? epi.residual + plane : nullptr;
    }
    fn(g.K, pk.data.data() + (int64_t(grp) * pk.tiles + t) * g.K * MR, phases, pk.offsets.data(), vd, rows, to);
  }
}

}  // namespace

void gemm_pair(const Conv2dShape& s, const Conv2dLayout& pk, const float* phases, int n, int grp, const float* bias,
               float* y, const ConvEpilogue& epi) {
  for (int64_t b = 0; b < pk.gemm.blocks; ++b) run_block(s, pk, pk.gemm, phases, n, grp, b, 0, pk.tiles, bias, y, epi);
}

void conv_gemm(const Conv2dShape& s, const float* x, const Conv2dLayout& pk, const float* bias, float* y,
               ThreadPool* pool, const ConvEpilogue& epi) {
  const Geometry& g = pk.gemm;
  const int64_t in_plane = int64_t(s.in_h) * s.in_w;
  const int64_t pairs = int64_t(s.batch) * s.groups;  // (image, group)
  auto group_input = [&](int64_t pair) {
    return x + (pair / s.groups * s.in_c + pair % s.groups * g.cin_g) * in_plane;
  };
  const int threads = pool ? pool->size() : 1;
  if (threads == 1 || pairs >= 2 * threads) {
    // Each (image, group) on one thread: phases built once into that thread's scratch.
    parallel_range(threads == 1 ? nullptr : pool, pairs, [&](long long begin, long long end) {
      PhaseScratch& scratch = phase_scratch();
      for (long long pair = begin; pair < end; ++pair) {
        const float* phases = scratch.build(s, pk, group_input(pair), g.phase_floats);
        for (int64_t b = 0; b < g.blocks; ++b)
          run_block(s, pk, g, phases, int(pair / s.groups), int(pair % s.groups), b, 0, pk.tiles, bias, y, epi);
      }
    });
    return;
  }
  // Few images: build all phases first (in the calling thread's scratch, which outlives
  // the parallel loops), then split blocks and output-channel tiles over the pool.
  float* all = phase_scratch().raw(g.phase_floats * pairs);
  parallel_range(pool, pairs, [&](long long begin, long long end) {
    for (long long pair = begin; pair < end; ++pair)
      build_phases(s, pk, group_input(pair), all + pair * g.phase_floats, g.phase_floats);
  });
  const int64_t base = pairs * g.blocks;
  const int splits = int(std::max<int64_t>(1, std::min<int64_t>(pk.tiles, (2 * threads + base - 1) / base)));
  parallel_range(pool, base * splits, [&](long long begin, long long end) {
    for (long long item = begin; item < end; ++item) {
      const int split = int(item % splits);
      const int64_t b = (item / splits) % g.blocks, pair = item / splits / g.blocks;
      const int t0 = int(int64_t(pk.tiles) * split / splits), t1 = int(int64_t(pk.tiles) * (split + 1) / splits);
      run_block(s, pk, g, all + pair * g.phase_floats, int(pair / s.groups), int(pair % s.groups), b, t0, t1, bias, y,
                epi);
    }
  });
}

}  // namespace faultbench::ops::FAULTBENCH_SIMD_NS::detail

#include "ops/simd/end_target.h"
