// Private to src/ops/conv2d: the optimized conv2d paths behind conv2d_optimized() (conv2d.cpp).
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "faultbench/ops/conv2d.h"
#include "layout.h"
#include "round_lanes.h"

// Per-target: included after ops/simd/begin_target.h, in each target's build of the paths.
#if !defined(FAULTBENCH_SIMD_IN_TARGET)
#error "conv2d/internal.h belongs inside a SIMD target region (ops/simd/begin_target.h)"
#endif

namespace faultbench::ops::FAULTBENCH_SIMD_NS::detail {

// The packed layout types (layout.h) are untargeted: one definition for every target.
using namespace ::faultbench::ops::detail;

// Direct GEMM over stride-phase planes (gemm.cpp); any groups with in_c/groups > 1.
void conv_gemm(const Conv2dShape& s, const float* x, const Conv2dLayout& pk, const float* bias, float* y,
               ThreadPool* pool, const ConvEpilogue& epi);

// Fills pk.gemm (conv2d_pack), for a layer that is neither depthwise nor channel-major.
void plan_gemm(Conv2dLayout& pk);

// The GEMM path over the phase planes of one (image, group) that the caller has built
// (build_phases with at least pk.gemm.phase_floats floats); for the zero-skipping path,
// which falls back to it on images with few zeros.
void gemm_pair(const Conv2dShape& s, const Conv2dLayout& pk, const float* phases, int n, int grp, const float* bias,
               float* y, const ConvEpilogue& epi);

// Padding-skipping path for small padded maps (taps.cpp). plan_taps fills
// pk.tap_* (conv2d_pack) when enough taps read padding; conv_taps runs it.
void plan_taps(const Conv2dShape& s, Conv2dLayout& pk);
void conv_taps(const Conv2dShape& s, const float* x, const Conv2dLayout& pk, const float* bias, float* y,
               ThreadPool* pool, const ConvEpilogue& epi);

// Small output maps (channels.cpp): vectors over output channels, not positions.
// plan_channels fills pk.channels (conv2d_pack) for a channel-major layer.
void plan_channels(Conv2dLayout& pk);
void conv_channels(const Conv2dShape& s, const float* x, const Conv2dLayout& pk, const float* bias, float* y,
                   ThreadPool* pool, const ConvEpilogue& epi);

// Zero-skipping channel-major path (sparse.cpp); choose_conv2d_path (conv2d.cpp) says
// when it applies.
void conv_sparse(const Conv2dShape& s, const float* x, const Conv2dLayout& pk, const float* bias, float* y,
                 ThreadPool* pool, const ConvEpilogue& epi, const uint64_t* needed, const float* const* fill);

// Output positions of one register tile of the zero-skipping kernel: q[j] is position j's
// offset in the phase planes; the outputs are p0 .. p0 + count - 1 of the map (q repeats
// the last one past the end).
struct SparseBlock {
  static constexpr int kPositions = 4;
  int64_t q[kPositions];
  int p0, count;
};

// The live reduction steps (some input of the block is not +-0) of each block of one
// (image, group), in increasing k (sparse_lists.cpp). prepare() reads the phase
// planes (or the input itself for a direct 1x1 conv): `rows` rows of pk.wq floats; ph and
// pk must outlive the calls to list().
class StepLists {
 public:
  void prepare(const Conv2dShape& s, const Conv2dLayout& pk, const float* ph, int64_t rows);
  int blocks() const { return int(order_.size()); }
  // Share of (block, step) pairs that are live, or -1 where prepare() did not count them.
  double live_fraction() const { return live_fraction_; }
  // Fills block `index`'s positions (p0, count, q).
  void positions(int index, SparseBlock* block) const;
  // Fills block `index`'s positions and its live steps; list has room for k + 32 entries.
  int list(int index, SparseBlock* block, int32_t* list) const;

 private:
  void prepare_generic(int64_t rows);
  void build_row_table(int oh) const;
  Conv2dShape s_;
  const Conv2dLayout* pk_ = nullptr;
  const float* ph_ = nullptr;
  bool rowmask_ = false;
  double live_fraction_ = -1;
  int rs_ = 0, rows_per_load_ = 0, loads_ = 0, kpad_ = 0;
  std::vector<uint8_t> masks_;   // 1 where the input is not +-0
  std::vector<uint16_t> valid_;  // [loads] dwords of a load that are blocks
  std::vector<uint16_t> table_;  // [loads][kpad] live blocks per step
  std::vector<int> order_;       // block ids: (load * 16 + dword), or generic block numbers
  // AVX2's generic lists for blocks inside rows: [out_h][chunks_][kpad_] bytes, bit j of
  // step k set if block 8 * chunk + j of the row has a live input; built per row on first use.
  int chunks_ = 0;
  mutable std::vector<uint8_t> row_table_;
  mutable std::vector<uint8_t> row_ready_;
};

// Epilogue constants of up to kMaxVec vectors of output channels, lanes = channels
// (the channel-major kernels): channel col0 + c * kLanes + lane of group grp; lanes past
// the group's last channel hold 0 and are never stored (valid[c] lanes are).
struct ChannelConstants {
  static constexpr int kMaxVec = 4;
  alignas(64) float bias[kMaxVec][simd::kLanes], alpha[kMaxVec][simd::kLanes], beta[kMaxVec][simd::kLanes];
  int valid[kMaxVec] = {};
  ChannelConstants(int cout_g, int grp, int col0, int nc, const float* b, const ConvEpilogue& epi) {
    for (int c = 0; c < nc; ++c) {
      valid[c] = std::min(simd::kLanes, cout_g - col0 - c * simd::kLanes);
      for (int lane = 0; lane < simd::kLanes; ++lane) {
        const bool in = lane < valid[c];
        const int co = grp * cout_g + col0 + c * simd::kLanes + lane;
        bias[c][lane] = in && b ? b[co] : 0.0f;
        alpha[c][lane] = in && epi.alpha ? epi.alpha[co] : 0.0f;
        beta[c][lane] = in && epi.alpha ? epi.beta[co] : 0.0f;
      }
    }
  }
  // bias, folded batch norm, and the ReLU when no residual add follows, in registers;
  // Rounds: with the epilogue's roundings after the conv and the batch norm (a template
  // argument, so that fp32's code is what it was).
  template <bool Rounds>
  simd::vf apply_as(simd::vf o, int c, bool has_bias, const ConvEpilogue& epi) const {
    if (has_bias) o = simd::add(o, simd::load(bias[c]));
    if constexpr (Rounds) o = round_lanes(o, epi.round);
    if (epi.alpha) {
      o = simd::add(simd::mul(o, simd::load(alpha[c])), simd::load(beta[c]));
      if constexpr (Rounds) o = round_lanes(o, epi.round);
    }
    if (epi.relu && !epi.residual) o = simd::relu(o);
    return o;
  }
  simd::vf apply(simd::vf o, int c, bool has_bias, const ConvEpilogue& epi) const {
    return epi.round == Rounding::None ? apply_as<false>(o, c, has_bias, epi) : apply_as<true>(o, c, has_bias, epi);
  }
};

// The residual add (in the graph's operand order), its rounding (Rounds) and the ReLU after
// it, one element.
template <bool Rounds>
inline float finish_element_as(float v, const float* res, const ConvEpilogue& epi) {
  if (res) {
    v = epi.residual_first ? *res + v : v + *res;
    if constexpr (Rounds) v = round_value(epi.round, v);
    if (epi.relu && v < 0.0f) v = 0.0f;
  }
  return v;
}
inline float finish_element(float v, const float* res, const ConvEpilogue& epi) {
  return epi.round == Rounding::None ? finish_element_as<false>(v, res, epi) : finish_element_as<true>(v, res, epi);
}

#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
// Transposes the 4 x 4 blocks of 4 vectors within each 128-bit lane group:
// out[m] lane (4g + j) = in[j] lane (4g + m). Its own inverse. (The full-mask forms: GCC 12
// warns about the unmasked ones' undefined pass-through.)
// (Functions, not lambdas: GCC gives a lambda's function-pointer thunk no target attribute.)
inline __m512 unpacklo_ps(__m512 a, __m512 b) { return _mm512_mask_unpacklo_ps(a, 0xFFFF, a, b); }
inline __m512 unpackhi_ps(__m512 a, __m512 b) { return _mm512_mask_unpackhi_ps(a, 0xFFFF, a, b); }
inline __m512 unpacklo_pd(__m512 a, __m512 b) {
  const __m512d x = _mm512_castps_pd(a);
  return _mm512_castpd_ps(_mm512_mask_unpacklo_pd(x, 0xFF, x, _mm512_castps_pd(b)));
}
inline __m512 unpackhi_pd(__m512 a, __m512 b) {
  const __m512d x = _mm512_castps_pd(a);
  return _mm512_castpd_ps(_mm512_mask_unpackhi_pd(x, 0xFF, x, _mm512_castps_pd(b)));
}
inline void transpose_lane_groups(const __m512 (&in)[4], __m512 (&out)[4]) {
  const auto lo_ps = unpacklo_ps, hi_ps = unpackhi_ps, lo_pd = unpacklo_pd, hi_pd = unpackhi_pd;
  const __m512 t0 = lo_ps(in[0], in[1]), t1 = hi_ps(in[0], in[1]), t2 = lo_ps(in[2], in[3]), t3 = hi_ps(in[2], in[3]);
  out[0] = lo_pd(t0, t2);
  out[1] = hi_pd(t0, t2);
  out[2] = lo_pd(t1, t3);
  out[3] = hi_pd(t1, t3);
}
#endif

// A register tile of the channel-major kernels (zero-skipping, conv slices): acc[j][c] is
// output position j of 4 consecutive ones, lanes = the output channels of vector c.
// Stores `count` positions (from output position p0) of channel vectors [0, nc) of a tile,
// through the epilogue: y and res point at (first channel, p0); channel i of vector c is
// (c * kLanes + i) * P further.
template <bool Rounds>
inline void store_channel_tile_as(const simd::vf (&acc)[4][ChannelConstants::kMaxVec], int nc, int count,
                                  const ChannelConstants& cc, bool has_bias, const ConvEpilogue& epi, float* y,
                                  const float* res, int64_t P) {
  for (int c = 0; c < nc; ++c) {
    const simd::vf o[4] = {
        cc.apply_as<Rounds>(acc[0][c], c, has_bias, epi), cc.apply_as<Rounds>(acc[1][c], c, has_bias, epi),
        cc.apply_as<Rounds>(acc[2][c], c, has_bias, epi), cc.apply_as<Rounds>(acc[3][c], c, has_bias, epi)};
#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
    if (count == 4) {
      // 4 x 16 transpose: u[m] lane group g = positions 0..3 of channel 4g + m.
      __m512 u[4];
      transpose_lane_groups(o, u);
      alignas(64) float t[4][simd::kLanes];
      for (int m = 0; m < 4; ++m) _mm512_store_ps(t[m], u[m]);
      for (int i = 0; i < cc.valid[c]; ++i) {
        const int64_t at = (int64_t(c) * simd::kLanes + i) * P;
        __m128 v = _mm_load_ps(&t[i % 4][(i / 4) * 4]);
        if (res) {
          const __m128 r = _mm_loadu_ps(res + at);
          v = epi.residual_first ? _mm_add_ps(r, v) : _mm_add_ps(v, r);
          // (Rounding is lane by lane: the upper lanes of the widened vector are unused.)
          if constexpr (Rounds)
            v = _mm512_mask_extractf32x4_ps(v, 0xF, round_lanes(_mm512_castps128_ps512(v), epi.round), 0);
          if (epi.relu) v = _mm_blendv_ps(v, _mm_setzero_ps(), _mm_cmplt_ps(v, _mm_setzero_ps()));
        }
        _mm_storeu_ps(y + at, v);
      }
      continue;
    }
#endif
    alignas(64) float t[4][simd::kLanes];
    for (int j = 0; j < 4; ++j) simd::store(t[j], o[j]);
    for (int i = 0; i < cc.valid[c]; ++i) {
      const int64_t at = (int64_t(c) * simd::kLanes + i) * P;
      for (int j = 0; j < count; ++j) y[at + j] = finish_element_as<Rounds>(t[j][i], res ? res + at + j : nullptr, epi);
    }
  }
}
inline void store_channel_tile(const simd::vf (&acc)[4][ChannelConstants::kMaxVec], int nc, int count,
                               const ChannelConstants& cc, bool has_bias, const ConvEpilogue& epi, float* y,
                               const float* res, int64_t P) {
  if (epi.round == Rounding::None)
    store_channel_tile_as<false>(acc, nc, count, cc, has_bias, epi, y, res, P);
  else
    store_channel_tile_as<true>(acc, nc, count, cc, has_bias, epi, y, res, P);
}

// The inverse: acc[j][c] lane i = src[(c * kLanes + i) * P + j] for positions j < count
// (j >= count repeat the last) of channel vectors [0, nc); lanes past valid[c] hold 0.
inline void load_channel_tile(const float* src, int64_t P, int nc, const int* valid, int count,
                              simd::vf (&acc)[4][ChannelConstants::kMaxVec]) {
  for (int c = 0; c < nc; ++c) {
#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
    if (valid[c] == simd::kLanes && count == 4) {
      // store_channel_tile's transpose backwards: u[m] lane group g = positions 0..3 of
      // channel 4g + m.
      const float* s = src + int64_t(c) * simd::kLanes * P;
      __m512 u[4];
      for (int m = 0; m < 4; ++m) {
        __m512 v = _mm512_castps128_ps512(_mm_loadu_ps(s + int64_t(m) * P));
        v = _mm512_insertf32x4(v, _mm_loadu_ps(s + int64_t(4 + m) * P), 1);
        v = _mm512_insertf32x4(v, _mm_loadu_ps(s + int64_t(8 + m) * P), 2);
        u[m] = _mm512_insertf32x4(v, _mm_loadu_ps(s + int64_t(12 + m) * P), 3);
      }
      __m512 o[4];
      transpose_lane_groups(u, o);
      for (int j = 0; j < 4; ++j) acc[j][c] = o[j];
      continue;
    }
#endif
    for (int j = 0; j < 4; ++j) {
      alignas(64) float lane[simd::kLanes] = {};
      for (int i = 0; i < valid[c]; ++i) lane[i] = src[(int64_t(c) * simd::kLanes + i) * P + std::min(j, count - 1)];
      acc[j][c] = simd::load(lane);
    }
  }
}

// Zero-padded input of one (image, group), split into stride_h x stride_w phases:
// dst[(a*stride_w + b)][ci][i][j] = padded[ci][i*stride_h + a][j*stride_w + b]; the first `floats` of dst
// are written (zeros past the phases).
void build_phases(const Conv2dShape& s, const Conv2dLayout& pk, const float* xg, float* dst, int64_t floats);

// The calling thread's buffer for phase planes (phases.cpp). build() writes one
// (image, group)'s planes, `floats` long; when the buffer last held planes of the same
// geometry, only the input's values are copied: the padding and the slack are zeros
// that no build overwrites (a fault campaign re-runs each layer image after image).
class PhaseScratch {
 public:
  const float* build(const Conv2dShape& s, const Conv2dLayout& pk, const float* xg, int64_t floats);
  // The buffer for another layout (several images' planes); forgets the geometry.
  float* raw(int64_t floats);

 private:
  AlignedBuffer buf_;
  std::array<int64_t, 10> key_{};  // geometry whose zeros buf_ holds, if known_
  bool known_ = false;
};
PhaseScratch& phase_scratch();

// One input channel per group (depthwise.cpp).
void conv_depthwise(const Conv2dShape& s, const float* x, const Conv2dLayout& pk, const float* bias, float* y,
                    ThreadPool* pool, const ConvEpilogue& epi);

}  // namespace faultbench::ops::FAULTBENCH_SIMD_NS::detail
