// conv2d, optimized path for small output maps (under 64 positions: the deep layers of
// VGG and DenseNet on 32x32 inputs, 2x2 and 4x4 maps). The GEMM path puts output positions
// in vector lanes, which leaves most lanes idle on such maps; here the lanes hold kLanes
// output channels of one position and each input value is broadcast. Inputs come from
// the same stride-phase planes (phases.cpp), so padding reads zeros.
//
// Every stored lane is one output element y[n, co, oh, ow]: it starts at +0.0f and takes
// one fma per reduction index k = (ci, kh, kw) in increasing order, then the epilogue in
// the unfused order, exactly as conv2d_reference and the GEMM path do.
#include <algorithm>
#include <cstdint>
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
constexpr int kMaxPos = 8, kMaxVec = 4;

// acc[j][c] for positions q[0..NP) and channel tiles w + c * wstride; K reduction steps.
template <int NP, int NC>
void channel_tile(int K, const float* __restrict w, int64_t wstride, const float* __restrict ph,
                  const int32_t* __restrict offs, const int64_t* q, vf (&acc)[kMaxPos][kMaxVec]) {
  vf a[NP][NC];
#pragma GCC unroll 8
  for (int j = 0; j < NP; ++j)
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c) a[j][c] = simd::zero();
  for (int k = 0; k < K; ++k) {
    const float* base = ph + offs[k];
    vf wv[NC];
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c) wv[c] = simd::load(w + c * wstride + int64_t(k) * L);
#pragma GCC unroll 8
    for (int j = 0; j < NP; ++j) {
      const vf xb = simd::set1(base[q[j]]);
#pragma GCC unroll 4
      for (int c = 0; c < NC; ++c) a[j][c] = simd::fma(wv[c], xb, a[j][c]);
    }
  }
  for (int j = 0; j < NP; ++j)
    for (int c = 0; c < NC; ++c) acc[j][c] = a[j][c];
}

using TileFn = void (*)(int, const float*, int64_t, const float*, const int32_t*, const int64_t*,
                        vf (&)[kMaxPos][kMaxVec]);
// 4 positions x up to 4 channel vectors (2x2 maps), or 8 positions x up to 2.
TileFn tile_fn(int np, int nc) {
  static const TileFn four[kMaxVec] = {channel_tile<4, 1>, channel_tile<4, 2>, channel_tile<4, 3>, channel_tile<4, 4>};
  static const TileFn eight[2] = {channel_tile<8, 1>, channel_tile<8, 2>};
  return np == 4 ? four[nc - 1] : eight[nc - 1];
}

// Planned once per packed layer (plan_channels; layout.h).
using Layout = ChannelsGeometry;

}  // namespace

void plan_channels(Conv2dLayout& pk) {
  const Conv2dShape& s = pk.shape;
  Layout& l = pk.channels;
  const int P = s.out_h * s.out_w;
  l.np = P <= 4 ? 4 : 8;
  l.ncmax = l.np == 4 ? 4 : 2;
  l.pblocks = (P + l.np - 1) / l.np;
  l.cgroups = (pk.tiles + l.ncmax - 1) / l.ncmax;
  for (int i = 0; i < l.pblocks * l.np; ++i) {
    const int p = std::min(i, P - 1);  // extra lanes recompute the last position, unstored
    l.q.push_back(int64_t(p / s.out_w) * pk.wq + p % s.out_w);
  }
  l.phase_floats = int64_t(s.stride) * s.stride * (s.in_c / s.groups) * pk.hq * pk.wq + 16;
}

namespace {

// Channel group cg (up to ncmax tiles) of one (image, group), all positions.
void run_group(const Conv2dShape& s, const Conv2dLayout& pk, const Layout& l, const float* ph, int n, int grp, int cg,
               const float* bias, float* y, const ConvEpilogue& epi) {
  const int cout_g = s.out_c / s.groups, P = s.out_h * s.out_w, K = pk.k;
  const int t0 = cg * l.ncmax, nc = std::min(l.ncmax, pk.tiles - t0);
  const TileFn fn = tile_fn(l.np, nc);
  const float* w = pk.data.data() + (int64_t(grp) * pk.tiles + t0) * K * L;
  const ChannelConstants cc(cout_g, grp, t0 * L, nc, bias, epi);
  vf acc[kMaxPos][kMaxVec];
  for (int pb = 0; pb < l.pblocks; ++pb) {
    fn(K, w, int64_t(K) * L, ph, pk.offsets.data(), l.q.data() + pb * l.np, acc);
    for (int j = 0; j < l.np; ++j) {
      const int p = pb * l.np + j;
      if (p >= P) break;
      for (int c = 0; c < nc; ++c) {
        // The GEMM path's epilogue, lane for lane.
        alignas(64) float lane[L];
        simd::store(lane, cc.apply(acc[j][c], c, bias != nullptr, epi));
        const int64_t first = (int64_t(n) * s.out_c + grp * cout_g + (t0 + c) * L) * P + p;
        for (int i = 0; i < cc.valid[c]; ++i) {
          const int64_t at = first + int64_t(i) * P;
          const float v = finish_element(lane[i], epi.residual ? epi.residual + at : nullptr, epi);
          y[at] = v;
        }
      }
    }
  }
}

}  // namespace

void conv_channels(const Conv2dShape& s, const float* x, const Conv2dLayout& pk, const float* bias, float* y,
                   ThreadPool* pool, const ConvEpilogue& epi) {
  const Layout& l = pk.channels;
  const int cin_g = s.in_c / s.groups;
  const int64_t in_plane = int64_t(s.in_h) * s.in_w;
  const int64_t pairs = int64_t(s.batch) * s.groups;  // (image, group)
  auto group_input = [&](int64_t pair) { return x + (pair / s.groups * s.in_c + pair % s.groups * cin_g) * in_plane; };
  // A 1x1 stride-1 unpadded conv reads its input as it is: that is its only phase plane.
  const bool direct = s.kernel == 1 && s.stride == 1 && s.padding == 0;
  const int threads = pool ? pool->size() : 1;
  if (threads == 1 || pairs >= 2 * threads) {
    parallel_range(threads == 1 ? nullptr : pool, pairs, [&](long long begin, long long end) {
      PhaseScratch& scratch = phase_scratch();
      for (long long pair = begin; pair < end; ++pair) {
        const float* ph = group_input(pair);
        if (!direct) ph = scratch.build(s, pk, ph, l.phase_floats);
        for (int cg = 0; cg < l.cgroups; ++cg)
          run_group(s, pk, l, ph, int(pair / s.groups), int(pair % s.groups), cg, bias, y, epi);
      }
    });
    return;
  }
  // Few images: phases first, then (pair, channel group) items over the pool.
  float* all = direct ? nullptr : phase_scratch().raw(l.phase_floats * pairs);
  if (!direct) {
    parallel_range(pool, pairs, [&](long long begin, long long end) {
      for (long long pair = begin; pair < end; ++pair)
        build_phases(s, pk, group_input(pair), all + pair * l.phase_floats, l.phase_floats);
    });
  }
  parallel_range(pool, pairs * l.cgroups, [&](long long begin, long long end) {
    for (long long item = begin; item < end; ++item) {
      const int64_t pair = item / l.cgroups;
      const float* ph = direct ? group_input(pair) : all + pair * l.phase_floats;
      run_group(s, pk, l, ph, int(pair / s.groups), int(pair % s.groups), int(item % l.cgroups), bias, y, epi);
    }
  });
}

}  // namespace faultbench::ops::FAULTBENCH_SIMD_NS::detail

#include "ops/simd/end_target.h"
