// conv2d, zero-skipping path: a channel-major direct convolution that leaves out the
// reduction steps whose inputs are all +-0. Behind a ReLU most inputs are 0 (ResNet20's
// 8x8 layers: 56-81 % of the values), and a fault campaign spends its time re-running
// exactly those layers.
//
// Register tile: kBlock = 4 consecutive output positions x up to 4 vectors of output
// channels (lanes = channels, weights packed [groups][Cout/kLanes][K][kLanes]). For each
// block, a list of the reduction steps k = (ci, kh, kw) where at least one of the block's
// 4 inputs is non-zero is built from byte masks of the input rows (sparse_lists.cpp);
// the tile then runs the usual fma chain over that list, in increasing k. With a bitmap of
// needed output positions (fault campaigns), blocks without one are copied from the
// caller's fill rows instead.
//
// Why the bits are those of conv2d_reference: every output element starts at +0.0f and
// takes, in increasing k, the fmas of its non-skipped steps. A skipped step has x = +-0
// and a finite weight (the path is only taken when every weight is finite), so its
// product is +-0 and adding it leaves acc unchanged, unless acc is -0 (which only an
// underflow produces): -0 + +0 is +0. So an element whose sum, computed with skips, is not
// -0 has exactly the reference's bits (once the dense and skipping sums agree again after
// such a step they stay equal, and they can differ only as -0 vs +0); a tile with a -0
// lane is recomputed over all K steps. Inputs that are NaN or Inf are non-zero.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <vector>

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
constexpr int kBlock = SparseBlock::kPositions;     // output positions per register tile
constexpr int kMaxVec = ChannelConstants::kMaxVec;  // channel vectors per register tile
// Above this share of live (block, step) pairs the GEMM kernel is faster (conv_sparse_bench:
// the zero-skipping tile costs about 1.1x the GEMM per fma, plus the lists).
constexpr double kDenseAboveLiveFraction = 0.75;

struct Scratch {
  StepLists lists;
  std::vector<int32_t> list;             // reduction steps of one block
  std::vector<int32_t> all;              // 0 .. K-1, for a block that must run densely
  std::vector<ChannelConstants> consts;  // per channel group of one (image, group)
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// acc[j][c] = sum over the listed steps k of w[c][k] * phases[offs[k] + q[j]].
template <int NC>
void sparse_tile(const int32_t* __restrict list, int n, const int32_t* __restrict offs, const float* __restrict w,
                 int64_t wstride, const float* __restrict ph, const int64_t* q, vf (&acc)[kBlock][kMaxVec]) {
  vf a[kBlock][NC];
#pragma GCC unroll 4
  for (int j = 0; j < kBlock; ++j)
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c) a[j][c] = simd::zero();
  const float* p[kBlock];
  for (int j = 0; j < kBlock; ++j) p[j] = ph + q[j];
  for (int e = 0; e < n; ++e) {
    const int32_t k = list[e], off = offs[k];
    vf wv[NC];
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c) wv[c] = simd::load(w + c * wstride + int64_t(k) * L);
#pragma GCC unroll 4
    for (int j = 0; j < kBlock; ++j) {
      const vf xb = simd::set1(p[j][off]);
#pragma GCC unroll 4
      for (int c = 0; c < NC; ++c) a[j][c] = simd::fma(wv[c], xb, a[j][c]);
    }
  }
  for (int j = 0; j < kBlock; ++j)
    for (int c = 0; c < NC; ++c) acc[j][c] = a[j][c];
}

using TileFn = void (*)(const int32_t*, int, const int32_t*, const float*, int64_t, const float*, const int64_t*,
                        vf (&)[kBlock][kMaxVec]);
TileFn tile_fn(int nc) {
  static const TileFn fns[kMaxVec] = {sparse_tile<1>, sparse_tile<2>, sparse_tile<3>, sparse_tile<4>};
  return fns[nc - 1];
}

int64_t phase_floats(const Conv2dShape& s, const Conv2dLayout& pk) {
  return int64_t(s.stride) * s.stride * (s.in_c / s.groups) * pk.hq * pk.wq + 16;
}

// All blocks of one (image, group): ph holds its phase planes (or its input, direct), in
// `rows` rows of pk.wq floats.
// Returns false, having done nothing, when too few (block, step) pairs can be skipped for
// the lists to pay off and `dense_fallback` is set.
// Copies `count` positions from p0 of the group's channels from the image's fill row.
void copy_positions(const Conv2dShape& s, int n, int grp, int p0, int count, const float* fill, float* y) {
  const int cout_g = s.out_c / s.groups;
  const int64_t P = int64_t(s.out_h) * s.out_w;
  if (p0 == 0 && count == P) {  // the group's planes are contiguous
    const int64_t first = int64_t(grp) * cout_g * P;
    std::memcpy(y + int64_t(n) * s.out_c * P + first, fill + first, sizeof(float) * size_t(cout_g * P));
    return;
  }
  for (int co = grp * cout_g; co < (grp + 1) * cout_g; ++co)
    std::memcpy(y + (int64_t(n) * s.out_c + co) * P + p0, fill + co * P + p0, sizeof(float) * size_t(count));
}

// need: the image's bitmap of needed output positions and fill its known row, or null.
bool run_pair(const Conv2dShape& s, const Conv2dLayout& pk, const float* ph, int64_t rows, int n, int grp,
              const float* bias, float* y, const ConvEpilogue& epi, bool dense_fallback, const uint64_t* need,
              const float* fill) {
  const int cout_g = s.out_c / s.groups, K = pk.k;
  const int64_t P = int64_t(s.out_h) * s.out_w;
  const int cgroups = (pk.sparse_tiles + kMaxVec - 1) / kMaxVec;
  int64_t needed_positions = P;
  if (need) {
    needed_positions = 0;
    for (int64_t i = 0; i < (P + 63) / 64; ++i) needed_positions += __builtin_popcountll(need[i]);
    if (needed_positions == 0) {  // nothing can have changed
      copy_positions(s, n, grp, 0, int(P), fill, y);
      return true;
    }
  }
  Scratch& sc = scratch();
  sc.lists.prepare(s, pk, ph, rows);
  if (dense_fallback && sc.lists.live_fraction() > kDenseAboveLiveFraction && needed_positions * 4 > P * 3)
    return false;
  // The known values first, all at once (a copy per channel and skipped block would be
  // many 16-byte copies); the needed blocks are then computed over them.
  if (need) copy_positions(s, n, grp, 0, int(P), fill, y);
  sc.list.resize(size_t(K) + 32);
  if (sc.all.size() != size_t(K)) {
    sc.all.resize(size_t(K));
    std::iota(sc.all.begin(), sc.all.end(), 0);
  }
  const int64_t wstride = int64_t(K) * L;
  const float* wgroup = pk.sparse_weights() + int64_t(grp) * pk.sparse_tiles * wstride;
  std::vector<ChannelConstants>& consts = sc.consts;
  consts.clear();
  for (int cg = 0; cg < cgroups; ++cg)
    consts.emplace_back(cout_g, grp, cg * kMaxVec * L, std::min(kMaxVec, pk.sparse_tiles - cg * kMaxVec), bias, epi);
  vf acc[kBlock][kMaxVec];
  SparseBlock blk;
  for (int b = 0; b < sc.lists.blocks(); ++b) {
    sc.lists.positions(b, &blk);
    if (need && ((need[blk.p0 / 64] >> (blk.p0 % 64)) & ((uint64_t(1) << blk.count) - 1)) == 0) continue;
    const int listed = sc.lists.list(b, &blk, sc.list.data());
    for (int cg = 0; cg < cgroups; ++cg) {
      const int t0 = cg * kMaxVec, nc = std::min(kMaxVec, pk.sparse_tiles - t0);
      const TileFn fn = tile_fn(nc);
      const float* w = wgroup + t0 * wstride;
      fn(sc.list.data(), listed, pk.offsets.data(), w, wstride, ph, blk.q, acc);
      bool negative_zero = false;
      for (int j = 0; j < kBlock; ++j)
        for (int c = 0; c < nc; ++c) negative_zero |= simd::any_negative_zero(acc[j][c]);
      if (negative_zero) fn(sc.all.data(), K, pk.offsets.data(), w, wstride, ph, blk.q, acc);  // see the top
      const int64_t first = (int64_t(n) * s.out_c + grp * cout_g + t0 * L) * P + blk.p0;
      store_channel_tile(acc, nc, blk.count, consts[size_t(cg)], bias != nullptr, epi, y + first,
                         epi.residual ? epi.residual + first : nullptr, P);
    }
  }
  return true;
}

}  // namespace

void conv_sparse(const Conv2dShape& s, const float* x, const Conv2dLayout& pk, const float* bias, float* y,
                 ThreadPool* pool, const ConvEpilogue& epi, const uint64_t* needed, const float* const* fill) {
  const int64_t need_words = (int64_t(s.out_h) * s.out_w + 63) / 64;
  const int cin_g = s.in_c / s.groups;
  const int64_t in_plane = int64_t(s.in_h) * s.in_w;
  const int64_t pairs = int64_t(s.batch) * s.groups;  // (image, group)
  // A 1x1 stride-1 unpadded conv reads its input as it is: that is its only phase plane.
  const bool direct = s.kernel == 1 && s.stride == 1 && s.padding == 0;
  // Images with few zeros go to the GEMM path (larger maps; Auto only): same bits, faster.
  const bool fallback = !pk.channel_major && pk.sparsity == ConvSparsity::Auto;
  const int64_t floats = std::max(phase_floats(s, pk), fallback ? pk.gemm.phase_floats : 0);
  const int threads = pool ? pool->size() : 1;
  parallel_range(threads == 1 ? nullptr : pool, pairs, [&](long long begin, long long end) {
    PhaseScratch& phases = phase_scratch();
    for (long long pair = begin; pair < end; ++pair) {
      const int n = int(pair / s.groups), grp = int(pair % s.groups);
      const float* in = x + (pair / s.groups * s.in_c + pair % s.groups * cin_g) * in_plane;
      const float* ph = nullptr;
      const uint64_t* need = needed ? needed + n * need_words : nullptr;
      const float* known = fill ? fill[n] : nullptr;
      if (direct) {  // wq == in_w
        if (run_pair(s, pk, in, int64_t(cin_g) * s.in_h, n, grp, bias, y, epi, fallback, need, known)) continue;
      } else {
        ph = phases.build(s, pk, in, floats);
        if (run_pair(s, pk, ph, int64_t(s.stride) * s.stride * cin_g * pk.hq, n, grp, bias, y, epi, fallback, need,
                     known))
          continue;
      }
      gemm_pair(s, pk, ph ? ph : phases.build(s, pk, in, floats), n, grp, bias, y, epi);
    }
  });
}

}  // namespace detail
}  // namespace faultbench::ops::FAULTBENCH_SIMD_NS

#include "ops/simd/end_target.h"
