// conv2d, padding-skipping path for small padded maps: a 3x3 conv with padding 1 on a 2x2
// map reads the padding at 5 of every 9 taps, on a 4x4 map at 3 of 9 (DenseNet121's blocks
// 3 and 4, VGG's last layers). Per output position the taps inside the map are known from
// the shape alone (Conv2dLayout::tap_*), so the kernel runs each position's fma chain over
// its own list; with lists that do not depend on the data, a register tile holds one
// position of 4 images x up to 4 vectors of output channels (lanes = channels).
//
// Why the bits are those of conv2d_reference: a left-out tap has x = +0 and, the path being
// taken only when every weight is finite, a +-0 product, which leaves the sum unchanged
// unless the sum is -0 (sparse.cpp gives the argument). A tile with a lane ending at
// -0 is recomputed lane by lane over every tap, padding included.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "faultbench/util/parallel.h"
#include "faultbench/ops/conv2d.h"
#include "layout.h"

#include "ops/simd/begin_target.h"
#include "internal.h"

namespace faultbench::ops::FAULTBENCH_SIMD_NS::detail {

namespace {

using simd::vf;
constexpr int L = simd::kLanes;
constexpr int kImages = 4;  // images per register tile
constexpr int kMaxVec = ChannelConstants::kMaxVec;

// acc[i][c] = the chain over the listed taps of image i (input xs[i]) and channel vector c.
template <int NC>
void taps_tile(const int32_t* __restrict ks, const int32_t* __restrict xo, int n, const float* __restrict w,
               int64_t wstride, const float* const* xs, vf (&acc)[kImages][kMaxVec]) {
  vf a[kImages][NC];
#pragma GCC unroll 4
  for (int i = 0; i < kImages; ++i)
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c) a[i][c] = simd::zero();
  const float *x0 = xs[0], *x1 = xs[1], *x2 = xs[2], *x3 = xs[3];
  for (int e = 0; e < n; ++e) {
    const int64_t k = ks[e];
    const int32_t off = xo[e];
    vf wv[NC];
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c) wv[c] = simd::load(w + c * wstride + k * L);
    const vf xb[kImages] = {simd::set1(x0[off]), simd::set1(x1[off]), simd::set1(x2[off]), simd::set1(x3[off])};
#pragma GCC unroll 4
    for (int i = 0; i < kImages; ++i)
#pragma GCC unroll 4
      for (int c = 0; c < NC; ++c) a[i][c] = simd::fma(wv[c], xb[i], a[i][c]);
  }
  for (int i = 0; i < kImages; ++i)
    for (int c = 0; c < NC; ++c) acc[i][c] = a[i][c];
}

using TileFn = void (*)(const int32_t*, const int32_t*, int, const float*, int64_t, const float* const*,
                        vf (&)[kImages][kMaxVec]);
constexpr TileFn kTiles[kMaxVec] = {taps_tile<1>, taps_tile<2>, taps_tile<3>, taps_tile<4>};

// The reference sequence of one lane: every tap in order, 0.0f at the padding.
float dense_lane(const Conv2dShape& s, const Conv2dLayout& pk, const float* w, const float* xg, int p) {
  const int kk = s.kernel, oh = p / s.out_w, ow = p % s.out_w;
  float acc = 0.0f;
  for (int k = 0; k < pk.k; ++k) {
    const int ci = k / (kk * kk), ih = oh * s.stride - s.padding + k / kk % kk, iw = ow * s.stride - s.padding + k % kk;
    const bool in = ih >= 0 && ih < s.in_h && iw >= 0 && iw < s.in_w;
    acc = std::fma(w[int64_t(k) * L], in ? xg[(int64_t(ci) * s.in_h + ih) * s.in_w + iw] : 0.0f, acc);
  }
  return acc;
}

// Images [n0, n0 + count) of group grp, channel group cg, every position.
void run_item(const Conv2dShape& s, const Conv2dLayout& pk, const float* x, int n0, int count, int grp, int cg,
              const float* bias, float* y, const ConvEpilogue& epi) {
  const int cin_g = s.in_c / s.groups, cout_g = s.out_c / s.groups, P = s.out_h * s.out_w;
  const int t0 = cg * kMaxVec, nc = std::min(kMaxVec, pk.tiles - t0);
  const int64_t wstride = int64_t(pk.k) * L, in_plane = int64_t(s.in_h) * s.in_w;
  const float* w = pk.data.data() + (int64_t(grp) * pk.tiles + t0) * wstride;
  const ChannelConstants cc(cout_g, grp, t0 * L, nc, bias, epi);
  const float* xs[kImages];
  for (int i = 0; i < kImages; ++i)  // past the batch: the last image again, computed but not stored
    xs[i] = x + (int64_t(n0 + std::min(i, count - 1)) * s.in_c + int64_t(grp) * cin_g) * in_plane;
  vf acc[kImages][kMaxVec];
  for (int p = 0; p < P; ++p) {
    const int b = pk.tap_begin[size_t(p)];
    kTiles[nc - 1](pk.tap_k.data() + b, pk.tap_x.data() + b, pk.tap_begin[size_t(p) + 1] - b, w, wstride, xs, acc);
    for (int i = 0; i < count; ++i)
      for (int c = 0; c < nc; ++c) {
        alignas(64) float lane[L];
        simd::store(lane, acc[i][c]);
        if (simd::any_negative_zero(acc[i][c]))  // see the top
          for (int l = 0; l < cc.valid[c]; ++l) lane[l] = dense_lane(s, pk, w + c * wstride + l, xs[i], p);
        simd::store(lane, cc.apply(simd::load(lane), c, bias != nullptr, epi));
        const int64_t first = (int64_t(n0 + i) * s.out_c + grp * cout_g + (t0 + c) * L) * P + p;
        for (int l = 0; l < cc.valid[c]; ++l) {
          const int64_t at = first + int64_t(l) * P;
          y[at] = finish_element(lane[l], epi.residual ? epi.residual + at : nullptr, epi);
        }
      }
  }
}

}  // namespace

void plan_taps(const Conv2dShape& s, Conv2dLayout& pk) {
  const int kk = s.kernel, P = s.out_h * s.out_w;
  std::vector<int32_t> begin{0}, ks, xo;
  for (int p = 0; p < P; ++p) {
    const int oh = p / s.out_w, ow = p % s.out_w;
    for (int k = 0; k < pk.k; ++k) {
      const int ci = k / (kk * kk), ih = oh * s.stride - s.padding + k / kk % kk,
                iw = ow * s.stride - s.padding + k % kk;
      if (ih < 0 || ih >= s.in_h || iw < 0 || iw >= s.in_w) continue;
      ks.push_back(k);
      xo.push_back(int32_t((int64_t(ci) * s.in_h + ih) * s.in_w + iw));
    }
    begin.push_back(int32_t(ks.size()));
  }
  // Worth a kernel of its own only when the padding is a good share of the work (a 3x3
  // conv on an 8x8 map reads it at 1 tap in 5.3: not enough to beat the other paths).
  if (int64_t(ks.size()) * 4 > int64_t(P) * pk.k * 3) return;
  pk.tap_begin = std::move(begin);
  pk.tap_k = std::move(ks);
  pk.tap_x = std::move(xo);
}

void conv_taps(const Conv2dShape& s, const float* x, const Conv2dLayout& pk, const float* bias, float* y,
               ThreadPool* pool, const ConvEpilogue& epi) {
  const int image_groups = (s.batch + kImages - 1) / kImages, cgroups = (pk.tiles + kMaxVec - 1) / kMaxVec;
  const int64_t per_image_group = int64_t(s.groups) * cgroups;
  parallel_range(pool && pool->size() > 1 ? pool : nullptr, image_groups * per_image_group,
                 [&](long long begin, long long end) {
                   for (long long item = begin; item < end; ++item) {
                     const int ig = int(item / per_image_group), rest = int(item % per_image_group);
                     const int n0 = ig * kImages, count = std::min(kImages, s.batch - n0);
                     run_item(s, pk, x, n0, count, rest / cgroups, rest % cgroups, bias, y, epi);
                   }
                 });
}

}  // namespace faultbench::ops::FAULTBENCH_SIMD_NS::detail

#include "ops/simd/end_target.h"
