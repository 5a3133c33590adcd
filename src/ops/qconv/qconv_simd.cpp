// The int8 conv's optimized kernels, compiled once per SIMD target (cmake/Simd.cmake):
// per (image, group, block of output positions), the block's input windows are gathered
// into integer rows (im2col, zero padded), then each output channel lane accumulates exact
// int32 dot products with its packed weights:
//   u8 inputs (codes in [0, 127]): vpmaddubsw (u8 x s8 -> pairwise int16 sums, at most
//     2 x 127 x 128 = 32,512: never saturated) then vpmaddwd with ones (-> int32), or
//     AVX-512 VNNI vpdpbusd (four products summed straight into int32);
//   signed inputs: vpmaddwd on int16 pairs (products and pair sums exact in int32).
// Integer sums are exact whatever the order, so every path equals qconv_reference.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "faultbench/error.h"
#include "faultbench/ops/qconv.h"
#include "faultbench/util/parallel.h"

#include "ops/simd/begin_target.h"

namespace faultbench::ops::FAULTBENCH_SIMD_NS {

namespace {

#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
constexpr int kLanes = 16;
#elif defined(FAULTBENCH_SIMD_TARGET_AVX2)
constexpr int kLanes = 8;
#else
constexpr int kLanes = 8;  // scalar: any tile works; 8 keeps the loops short
#endif
constexpr int kPositionBlock = 4;   // positions per register tile
constexpr int kPositionChunk = 64;  // positions per work item

#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
bool cpu_has_vnni() {
  static const bool has = __builtin_cpu_supports("avx512vnni") && std::getenv("FAULTBENCH_SIMD_QCONV_NO_VNNI") == nullptr;
  return has;
}
#endif

#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
// The VNNI instruction is not in the AVX-512 target's baseline: only this function gets it,
// and it runs only where cpu_has_vnni() said so.
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512cd,avx512vnni,avx2,fma,bmi,bmi2,popcnt"))) void
tile_vnni(const int32_t* const* rows, const int8_t* w, int k4, int co_pad, int32_t (*out)[kLanes]) {
  __m512i acc[kPositionBlock];
  for (int b = 0; b < kPositionBlock; ++b) acc[b] = _mm512_setzero_si512();
  for (int k = 0; k < k4; ++k) {
    const __m512i wv = _mm512_loadu_si512(w + size_t(k) * co_pad * 4);
    for (int b = 0; b < kPositionBlock; ++b) acc[b] = _mm512_dpbusd_epi32(acc[b], _mm512_set1_epi32(rows[b][k]), wv);
  }
  for (int b = 0; b < kPositionBlock; ++b) _mm512_storeu_si512(out[b], acc[b]);
}
#endif

// One tile: kPositionBlock positions x kLanes output channels. rows[b]: the position's
// gathered inputs as int32 words (4 u8 codes, or 2 int16 codes); w: the channel tile's
// first quad/pair word at k = 0, words of later k at stride co_pad.
template <bool kQuads>
void tile(const int32_t* const* rows, const void* wp, int kw_count, int co_pad, int32_t (*out)[kLanes]) {
#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
  const int8_t* w = static_cast<const int8_t*>(wp);
  const size_t stride = size_t(co_pad) * 4;  // bytes per k (quads: 4 int8, pairs: 2 int16)
  const __m512i ones = _mm512_set1_epi16(1);
  __m512i acc[kPositionBlock];
  for (int b = 0; b < kPositionBlock; ++b) acc[b] = _mm512_setzero_si512();
  for (int k = 0; k < kw_count; ++k) {
    const __m512i wv = _mm512_loadu_si512(w + size_t(k) * stride);
    for (int b = 0; b < kPositionBlock; ++b) {
      const __m512i xb = _mm512_set1_epi32(rows[b][k]);
      const __m512i prod = kQuads ? _mm512_madd_epi16(_mm512_maddubs_epi16(xb, wv), ones) : _mm512_madd_epi16(xb, wv);
      acc[b] = _mm512_add_epi32(acc[b], prod);
    }
  }
  for (int b = 0; b < kPositionBlock; ++b) _mm512_storeu_si512(out[b], acc[b]);
#elif defined(FAULTBENCH_SIMD_TARGET_AVX2)
  const int8_t* w = static_cast<const int8_t*>(wp);
  const size_t stride = size_t(co_pad) * 4;
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i acc[kPositionBlock];
  for (int b = 0; b < kPositionBlock; ++b) acc[b] = _mm256_setzero_si256();
  for (int k = 0; k < kw_count; ++k) {
    const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + size_t(k) * stride));
    for (int b = 0; b < kPositionBlock; ++b) {
      const __m256i xb = _mm256_set1_epi32(rows[b][k]);
      const __m256i prod = kQuads ? _mm256_madd_epi16(_mm256_maddubs_epi16(xb, wv), ones) : _mm256_madd_epi16(xb, wv);
      acc[b] = _mm256_add_epi32(acc[b], prod);
    }
  }
  for (int b = 0; b < kPositionBlock; ++b) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[b]), acc[b]);
#else
  for (int b = 0; b < kPositionBlock; ++b)
    for (int l = 0; l < kLanes; ++l) out[b][l] = 0;
  for (int k = 0; k < kw_count; ++k)
    for (int b = 0; b < kPositionBlock; ++b) {
      const int32_t word = rows[b][k];
      for (int l = 0; l < kLanes; ++l) {
        if constexpr (kQuads) {
          const int8_t* wq = static_cast<const int8_t*>(wp) + (size_t(k) * co_pad + l) * 4;
          for (int j = 0; j < 4; ++j) out[b][l] += int32_t(uint8_t(word >> (8 * j))) * int32_t(wq[j]);
        } else {
          const int16_t* wq = static_cast<const int16_t*>(wp) + (size_t(k) * co_pad + l) * 2;
          out[b][l] += int32_t(int16_t(word & 0xffff)) * wq[0] + int32_t(int16_t(uint32_t(word) >> 16)) * wq[1];
        }
      }
    }
#endif
}

QConvPath path_for(bool x_unsigned) {
#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
  if (x_unsigned) return cpu_has_vnni() ? QConvPath::Avx512Vnni : QConvPath::Avx512Maddubs;
  return QConvPath::Avx512Madd16;
#elif defined(FAULTBENCH_SIMD_TARGET_AVX2)
  return x_unsigned ? QConvPath::Avx2Maddubs : QConvPath::Avx2Madd16;
#else
  (void)x_unsigned;
  return QConvPath::Scalar;
#endif
}

}  // namespace

QConvPath choose_qconv_path(bool x_unsigned) { return path_for(x_unsigned); }

QConvPacked qconv_pack(const Conv2dShape& s, const int8_t* weight) {
  validate_conv2d(s);
  const Window2d win = s.window();
  QConvPacked p;
  p.shape = s;
  p.shape.batch = 1;
  p.lanes = kLanes;
  const int cig = s.in_c / s.groups, cog = s.out_c / s.groups;
  p.k = cig * win.kernel_h * win.kernel_w;
  // int32 sums: |sum| <= K x 128 x 128 must stay below 2^31 with room for the bias.
  if (int64_t(p.k) > 65536) shape_error("qconv", "reduction of " + std::to_string(p.k) + " products exceeds 65536");
  p.k4 = (p.k + 3) / 4;
  p.k2 = (p.k + 1) / 2;
  p.co_pad = (cog + kLanes - 1) / kLanes * kLanes;
  p.quads.assign(size_t(s.groups) * p.k4 * p.co_pad * 4, 0);
  p.pairs.assign(size_t(s.groups) * p.k2 * p.co_pad * 2, 0);
  for (int64_t i = 0; i < int64_t(s.out_c) * p.k; ++i) qconv_pack_set(p, i, weight[i]);
  return p;
}

void qconv_pack_set(QConvPacked& p, int64_t index, int8_t value) {
  const int cog = p.shape.out_c / p.shape.groups;
  const int co = int(index / p.k), kk = int(index % p.k), g = co / cog, c = co % cog;
  p.quads[((size_t(g) * p.k4 + kk / 4) * p.co_pad + c) * 4 + kk % 4] = value;
  p.pairs[((size_t(g) * p.k2 + kk / 2) * p.co_pad + c) * 2 + kk % 2] = value;
}

QConvPath qconv_optimized(const Conv2dShape& s, const float* x, const QConvPacked& pack, const QRequant& r, float* y,
                          ThreadPool* pool, bool x_unsigned) {
  if (s.batch == 0) return QConvPath::None;
  if (pack.lanes != kLanes)
    throw UsageError("qconv: weights packed for another SIMD target (" + std::to_string(pack.lanes) + " lanes); pack again");
  const Window2d win = s.window();
  const int cig = s.in_c / s.groups, cog = s.out_c / s.groups;
  const int64_t positions = int64_t(s.out_h) * s.out_w, in_plane = int64_t(s.in_h) * s.in_w;
  const int64_t chunks = (positions + kPositionChunk - 1) / kPositionChunk;
  const QConvPath path = path_for(x_unsigned);
  const bool quads = x_unsigned;
  const int words = quads ? pack.k4 : pack.k2;  // int32 words per gathered row
  parallel_range(pool, int64_t(s.batch) * s.groups * chunks, [&](long long begin, long long end) {
    std::vector<int32_t> rows(size_t(kPositionChunk) * words);
    alignas(64) int32_t out[kPositionBlock][kLanes];
    for (long long item = begin; item < end; ++item) {
      const int n = int(item / (int64_t(s.groups) * chunks)), g = int(item / chunks % s.groups);
      const int64_t p0 = item % chunks * kPositionChunk, np = std::min<int64_t>(kPositionChunk, positions - p0);
      const float* xg = x + (int64_t(n) * s.in_c + int64_t(g) * cig) * in_plane;
      // Gather: row j holds position p0 + j's window, reduction order (ci, kh, kw), zero padded.
      std::fill(rows.begin(), rows.end(), 0);
      for (int64_t j = 0; j < np; ++j) {
        const int oh = int((p0 + j) / s.out_w), ow = int((p0 + j) % s.out_w);
        uint8_t* r8 = reinterpret_cast<uint8_t*>(rows.data() + j * words);
        int16_t* r16 = reinterpret_cast<int16_t*>(rows.data() + j * words);
        for (int ci = 0; ci < cig; ++ci)
          for (int kh = 0; kh < win.kernel_h; ++kh) {
            const int ih = oh * win.stride_h - win.pad_top + kh * win.dilation_h;
            if (ih < 0 || ih >= s.in_h) continue;
            for (int kw = 0; kw < win.kernel_w; ++kw) {
              const int iw = ow * win.stride_w - win.pad_left + kw * win.dilation_w;
              if (iw < 0 || iw >= s.in_w) continue;
              const int kk = (ci * win.kernel_h + kh) * win.kernel_w + kw;
              const int v = int(xg[ci * in_plane + ih * s.in_w + iw]);
              if (quads)
                r8[kk] = uint8_t(v);
              else
                r16[kk] = int16_t(v);
            }
          }
      }
      for (int64_t b0 = 0; b0 < np; b0 += kPositionBlock) {
        const int32_t* tile_rows[kPositionBlock];
        for (int b = 0; b < kPositionBlock; ++b)
          tile_rows[b] = rows.data() + std::min<int64_t>(b0 + b, np - 1) * words;  // extra rows: not stored
        const int nb = int(std::min<int64_t>(kPositionBlock, np - b0));
        for (int c0 = 0; c0 < cog; c0 += kLanes) {
#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
          if (path == QConvPath::Avx512Vnni)
            tile_vnni(tile_rows, pack.quads.data() + (size_t(g) * pack.k4 * pack.co_pad + c0) * 4, pack.k4,
                      pack.co_pad, out);
          else
#endif
          if (quads)
            tile<true>(tile_rows, pack.quads.data() + (size_t(g) * pack.k4 * pack.co_pad + c0) * 4, pack.k4,
                       pack.co_pad, out);
          else
            tile<false>(tile_rows, pack.pairs.data() + (size_t(g) * pack.k2 * pack.co_pad + c0) * 2, pack.k2,
                        pack.co_pad, out);
          const int nc = std::min(kLanes, cog - c0);
          for (int b = 0; b < nb; ++b)
            for (int l = 0; l < nc; ++l) {
              const int co = g * cog + c0 + l;
              y[(int64_t(n) * s.out_c + co) * positions + p0 + b0 + b] = qrequant_one(r, co, out[b][l]);
            }
        }
      }
    }
  });
  return path;
}

}  // namespace faultbench::ops::FAULTBENCH_SIMD_NS

#include "ops/simd/end_target.h"
