// conv2d over a slice of its input channels, continuing from saved partial
// sums: the fault campaign's reuse of golden work in DenseNet, where a fault
// changes only the channels a concatenation appends after the faulty layer, so
// the sums over the channels before them are the golden run's (src/campaign/fast/).
// For 1x1 stride-1 unpadded convs with one group, where reduction step k is
// input channel k.
//
// Every lane is one output element y[n, co, p]: it starts at the saved sum
// (+0.0f when there is none), takes one fma per input channel of the slice in
// increasing order, and, when the slice is the last one, the epilogue in the
// unfused order. Chained over consecutive slices from channel 0 that is exactly
// conv2d's sequence, so the bits are those of conv2d_reference and of every
// other optimized path.
#include <algorithm>
#include <cmath>
#include <string>

#include "faultbench/util/parallel.h"
#include "faultbench/ops/conv2d.h"
#include "layout.h"

#include "ops/simd/begin_target.h"
#include "internal.h"

namespace faultbench::ops::FAULTBENCH_SIMD_NS {

namespace {

void validate_segment(const Conv2dShape& s, const Conv2dSegment& seg) {
  validate_conv2d(s);
  if (!conv2d_segment_supported(s))
    shape_error("conv2d segment",
                "only 1x1 stride-1 unpadded convs with one "
                "group split their reduction by input "
                "channel; got kernel " +
                    std::to_string(s.kernel) + ", stride " + std::to_string(s.stride) + ", padding " +
                    std::to_string(s.padding) + ", groups " + std::to_string(s.groups));
  if (seg.ci_begin < 0 || seg.ci_begin > seg.ci_end || seg.ci_end > s.in_c)
    shape_error("conv2d segment", "input channels [" + std::to_string(seg.ci_begin) + ", " +
                                      std::to_string(seg.ci_end) + ") are not a range of the " +
                                      std::to_string(s.in_c) + " input channels");
  if (seg.finish && seg.ci_end != s.in_c)
    shape_error("conv2d segment", "only the slice that ends at the last input channel (" + std::to_string(s.in_c) +
                                      ") can finish the output; this one ends at " + std::to_string(seg.ci_end));
}

}  // namespace

bool conv2d_segment_supported(const Conv2dShape& s) {
  return !s.general && s.kernel == 1 && s.stride == 1 && s.padding == 0 && s.groups == 1;
}

void conv2d_segment_reference(const Conv2dShape& s, const float* x, const float* weight, const float* bias, float* y,
                              const Conv2dSegment& seg) {
  validate_segment(s, seg);
  const int64_t P = int64_t(s.out_h) * s.out_w;
  for (int n = 0; n < s.batch; ++n)
    for (int co = 0; co < s.out_c; ++co)
      for (int64_t p = 0; p < P; ++p) {
        const int64_t at = (int64_t(n) * s.out_c + co) * P + p;
        float acc = seg.partial ? seg.partial[at] : 0.0f;
        for (int ci = seg.ci_begin; ci < seg.ci_end; ++ci)
          acc = std::fma(weight[int64_t(co) * s.in_c + ci], x[(int64_t(n) * s.in_c + ci) * P + p], acc);
        y[at] = seg.finish && bias ? acc + bias[co] : acc;
      }
}

namespace {

using simd::vf;
constexpr int L = simd::kLanes;
constexpr int NP = 4;  // output positions per register tile
constexpr int kMaxVec = detail::ChannelConstants::kMaxVec;

// The register tile: positions pos[0..NP) x NC vectors of output channels
// (weights w + c * wstride, [k][L] each), over input channels [kb, ke) of image
// plane x ([k][P]).
template <int NC>
void segment_tile(const float* __restrict w, int64_t wstride, const float* __restrict x, int64_t P, const int64_t* pos,
                  int kb, int ke, vf (&acc)[NP][kMaxVec]) {
  vf a[NP][NC];
#pragma GCC unroll 4
  for (int j = 0; j < NP; ++j)
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c) a[j][c] = acc[j][c];
  for (int k = kb; k < ke; ++k) {
    const float* base = x + int64_t(k) * P;
    vf wv[NC];
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c) wv[c] = simd::load(w + c * wstride + int64_t(k) * L);
#pragma GCC unroll 4
    for (int j = 0; j < NP; ++j) {
      const vf xb = simd::set1(base[pos[j]]);
#pragma GCC unroll 4
      for (int c = 0; c < NC; ++c) a[j][c] = simd::fma(wv[c], xb, a[j][c]);
    }
  }
  for (int j = 0; j < NP; ++j)
    for (int c = 0; c < NC; ++c) acc[j][c] = a[j][c];
}

using TileFn = void (*)(const float*, int64_t, const float*, int64_t, const int64_t*, int, int, vf (&)[NP][kMaxVec]);
constexpr TileFn kTiles[kMaxVec] = {segment_tile<1>, segment_tile<2>, segment_tile<3>, segment_tile<4>};

// Channel group cg (up to kMaxVec vectors of output channels) of image n, every
// position.
void run_group(const Conv2dShape& s, const detail::Conv2dLayout& pk, const float* x, const float* bias, float* y,
               const ConvEpilogue& epi, const Conv2dSegment& seg, int n, int cg) {
  const int64_t P = int64_t(s.out_h) * s.out_w, K = pk.k;
  const int t0 = cg * kMaxVec, nc = std::min(kMaxVec, pk.sparse_tiles - t0);
  const float* w = pk.sparse_weights() + int64_t(t0) * K * L;
  const float* xn = x + int64_t(n) * s.in_c * P;
  const detail::ChannelConstants cc(s.out_c, 0, t0 * L, nc, bias, epi);
  const TileFn tile = kTiles[nc - 1];
  for (int64_t p0 = 0; p0 < P; p0 += NP) {
    int64_t pos[NP];
    for (int j = 0; j < NP; ++j) pos[j] = std::min(p0 + j, P - 1);  // extra lanes repeat the last, unstored
    const int count = int(std::min<int64_t>(NP, P - p0));
    const int64_t first = (int64_t(n) * s.out_c + t0 * L) * P + p0;  // (channel t0 * L, position p0)
    vf acc[NP][kMaxVec];
    if (seg.partial) {
      detail::load_channel_tile(seg.partial + first, P, nc, cc.valid, count, acc);
    } else {
      for (int j = 0; j < NP; ++j)
        for (int c = 0; c < nc; ++c) acc[j][c] = simd::zero();
    }
    tile(w, K * L, xn, P, pos, seg.ci_begin, seg.ci_end, acc);
    if (seg.finish)
      detail::store_channel_tile(acc, nc, count, cc, bias != nullptr, epi, y + first,
                                 epi.residual ? epi.residual + first : nullptr, P);
    else
      detail::store_channel_tile(acc, nc, count, cc, false, ConvEpilogue{}, y + first, nullptr, P);
  }
}

}  // namespace

void conv2d_segment_optimized(const Conv2dShape& s, const float* x, const Conv2dPacked& pack, const float* bias,
                              float* y, ThreadPool* pool, const ConvEpilogue& epi, const Conv2dSegment& seg) {
  validate_segment(s, seg);
  const detail::Conv2dLayout& pk = pack.layout();
  const Conv2dShape& p = pk.shape;
  if (p.in_c != s.in_c || p.out_c != s.out_c || p.kernel != s.kernel || p.groups != s.groups || p.in_h != s.in_h ||
      p.in_w != s.in_w || p.stride != s.stride || p.padding != s.padding)
    shape_error("conv2d segment", "packed weights were prepared for a different shape");
  if (!pk.sparse_capable)
    shape_error("conv2d segment", "the packed layer has no channel-major weights (fewer than " + std::to_string(2 * L) +
                                      " output channels)");
  if (s.batch == 0) return;
  // Items (channel group, image), channel group outer: consecutive items reuse
  // the group's weights ([kMaxVec][K][L] floats) from cache.
  const int groups = (pk.sparse_tiles + kMaxVec - 1) / kMaxVec;
  const int64_t items = int64_t(groups) * s.batch;
  parallel_range(pool && pool->size() > 1 ? pool : nullptr, items, [&](long long begin, long long end) {
    for (long long item = begin; item < end; ++item)
      run_group(s, pk, x, bias, y, epi, seg, int(item % s.batch), int(item / s.batch));
  });
}

}  // namespace faultbench::ops::FAULTBENCH_SIMD_NS

#include "ops/simd/end_target.h"
