// The int8 conv's optimized kernels, compiled once per SIMD target (cmake/Simd.cmake).
// Direct convolution over a channels-last copy of the input: per (image, group) the codes
// are laid out [h + pads][w + pads][c_pad] (zero borders, c_pad = the group's input
// channels rounded up to a 4-byte word), so the reduction (kh, kw, ci) of one output
// position reads whole 32-bit words: 4 u8 codes (vpmaddubsw / vpdpbusd) or 2 int16 codes
// (vpmaddwd). Each int32 lane is one output channel; a tile is 4 positions x up to 4
// vectors of channels (one broadcast input word serves them all). The sums:
//   u8 inputs (codes in [0, 127]): vpmaddubsw (u8 x s8 -> pairwise int16 sums, at most
//     2 x 127 x 128 = 32,512: never saturated) then vpmaddwd with ones (-> int32), or
//     AVX-512 VNNI vpdpbusd (four products summed straight into int32);
//   signed inputs: vpmaddwd on int16 pairs (products and pair sums exact in int32).
// Integer sums are exact in any order, and the requantization below is qrequant_one's
// operations lane by lane, so every path gives qconv_reference's bits.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
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
constexpr int kLanes = 8;  // scalar: any tile works
#endif
constexpr int kBlock = kQConvTilePositions;  // positions per register tile
constexpr int kChunk = 64;                   // positions per work item

// The layer's input channels per group, padded so that a pixel is whole 32-bit words.
int padded_channels(int cig, bool quads) { return quads ? (cig + 3) / 4 * 4 : (cig + 1) / 2 * 2; }

// Channel vectors per register tile: a broadcast input word serves NV weight vectors
// (kBlock x NV accumulators: 16 of AVX-512's 32 registers, 8 of AVX2's 16).
#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
constexpr int kMaxVectors = 4;
#elif defined(FAULTBENCH_SIMD_TARGET_AVX2)
constexpr int kMaxVectors = 2;
#else
constexpr int kMaxVectors = 1;
#endif
using TileSums = int32_t[kMaxVectors][kBlock][kLanes];

#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
// VNNI is not in the AVX-512 target's baseline: only this function gets it, and it runs
// only where the CPU has it (qconv_vnni_usable()).
template <int NV>
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512cd,avx512vnni,avx2,fma,bmi,bmi2,popcnt"))) void
tile_vnni(const uint8_t* const* base, const int32_t* taps, int ntaps, int cwords, const int8_t* w, int co_pad,
          TileSums& out) {
  __m512i acc[NV][kBlock];
  for (int v = 0; v < NV; ++v)
    for (int b = 0; b < kBlock; ++b) acc[v][b] = _mm512_setzero_si512();
  for (int t = 0; t < ntaps; ++t)
    for (int c = 0; c < cwords; ++c, w += size_t(co_pad) * 4) {
      __m512i wv[NV];
      for (int v = 0; v < NV; ++v) wv[v] = _mm512_loadu_si512(w + v * kLanes * 4);
      for (int b = 0; b < kBlock; ++b) {
        int32_t word;
        std::memcpy(&word, base[b] + taps[t] + 4 * c, 4);
        const __m512i xb = _mm512_set1_epi32(word);
        for (int v = 0; v < NV; ++v) acc[v][b] = _mm512_dpbusd_epi32(acc[v][b], xb, wv[v]);
      }
    }
  for (int v = 0; v < NV; ++v)
    for (int b = 0; b < kBlock; ++b) _mm512_storeu_si512(out[v][b], acc[v][b]);
}
#endif

// One tile: kBlock positions (base[b]: the position's window origin in the channels-last
// copy; taps: byte offsets of the window's pixels) x NV vectors of kLanes output channels
// (w: the first vector's first word; vector v is v x kLanes words on; the next reduction
// word's weights are co_pad words on).
template <bool kQuads, int NV>
void tile(const uint8_t* const* base, const int32_t* taps, int ntaps, int cwords, const int8_t* w, int co_pad,
          TileSums& out) {
#if defined(FAULTBENCH_SIMD_TARGET_AVX512) || defined(FAULTBENCH_SIMD_TARGET_AVX2)
#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
  using V = __m512i;
#define QV_ZERO() _mm512_setzero_si512()
#define QV_LOAD(p) _mm512_loadu_si512(p)
#define QV_SET1(v) _mm512_set1_epi32(v)
#define QV_MADD(a, b) _mm512_madd_epi16(a, b)
#define QV_MADDUBS(a, b) _mm512_maddubs_epi16(a, b)
#define QV_ADD(a, b) _mm512_add_epi32(a, b)
  const V ones = _mm512_set1_epi16(1);
#else
  using V = __m256i;
#define QV_ZERO() _mm256_setzero_si256()
#define QV_LOAD(p) _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))
#define QV_SET1(v) _mm256_set1_epi32(v)
#define QV_MADD(a, b) _mm256_madd_epi16(a, b)
#define QV_MADDUBS(a, b) _mm256_maddubs_epi16(a, b)
#define QV_ADD(a, b) _mm256_add_epi32(a, b)
  const V ones = _mm256_set1_epi16(1);
#endif
  V acc[NV][kBlock];
  for (int v = 0; v < NV; ++v)
    for (int b = 0; b < kBlock; ++b) acc[v][b] = QV_ZERO();
  for (int t = 0; t < ntaps; ++t)
    for (int c = 0; c < cwords; ++c, w += size_t(co_pad) * 4) {
      V wv[NV];
      for (int v = 0; v < NV; ++v) wv[v] = QV_LOAD(w + v * kLanes * 4);
      for (int b = 0; b < kBlock; ++b) {
        int32_t word;
        std::memcpy(&word, base[b] + taps[t] + 4 * c, 4);
        const V xb = QV_SET1(word);
        for (int v = 0; v < NV; ++v)
          acc[v][b] = QV_ADD(acc[v][b], kQuads ? QV_MADD(QV_MADDUBS(xb, wv[v]), ones) : QV_MADD(xb, wv[v]));
      }
    }
  for (int v = 0; v < NV; ++v)
    for (int b = 0; b < kBlock; ++b) std::memcpy(out[v][b], &acc[v][b], sizeof(V));
#undef QV_ZERO
#undef QV_LOAD
#undef QV_SET1
#undef QV_MADD
#undef QV_MADDUBS
#undef QV_ADD
#else
  for (int v = 0; v < NV; ++v)
    for (int b = 0; b < kBlock; ++b)
      for (int l = 0; l < kLanes; ++l) out[v][b][l] = 0;
  for (int t = 0; t < ntaps; ++t)
    for (int c = 0; c < cwords; ++c, w += size_t(co_pad) * 4)
      for (int v = 0; v < NV; ++v)
        for (int b = 0; b < kBlock; ++b) {
          const uint8_t* x = base[b] + taps[t] + 4 * c;
          for (int l = 0; l < kLanes; ++l) {
            const int8_t* wl = w + (v * kLanes + l) * 4;
            if constexpr (kQuads) {
              for (int j = 0; j < 4; ++j) out[v][b][l] += int32_t(x[j]) * int32_t(wl[j]);
            } else {
              int16_t xs[2], ws[2];
              std::memcpy(xs, x, 4);
              std::memcpy(ws, wl, 4);
              out[v][b][l] += int32_t(xs[0]) * ws[0] + int32_t(xs[1]) * ws[1];
            }
          }
        }
#endif
}

// NV vectors of channels from w on, on the path `path`.
template <int NV>
void tile_path(QConvPath path, bool quads, const uint8_t* const* base, const int32_t* taps, int ntaps, int cwords,
               const int8_t* w, int co_pad, TileSums& out) {
#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
  if (path == QConvPath::Avx512Vnni) return tile_vnni<NV>(base, taps, ntaps, cwords, w, co_pad, out);
#else
  (void)path;
#endif
  if (quads)
    tile<true, NV>(base, taps, ntaps, cwords, w, co_pad, out);
  else
    tile<false, NV>(base, taps, ntaps, cwords, w, co_pad, out);
}

// The requantization of nb x nc sums of one tile (channels c0.., positions p..), written to
// y's channel planes: qrequant_one's operations lane by lane (int32 bias add, fp64
// product, round half to even, saturate, int -> float), vectorized where the target can.
// GCC 12's AVX-512 conversion intrinsics start from _mm512_undefined_*(), which
// -Wmaybe-uninitialized reports falsely.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
void requantize(const QRequant& r, int co0, int nc, int nb, const int32_t (*sums)[kLanes], float* y, int64_t plane) {
  alignas(64) float res[kBlock][kLanes];
#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
  if (nc == kLanes) {
    const __m512i bias = r.bias ? _mm512_loadu_si512(r.bias + co0) : _mm512_setzero_si512();
    const __m512 m = _mm512_loadu_ps(r.multiplier + co0);
    const __m512d mlo = _mm512_cvtps_pd(_mm512_castps512_ps256(m));
    const __m512d mhi = _mm512_cvtps_pd(_mm256_castsi256_ps(_mm512_extracti64x4_epi64(_mm512_castps_si512(m), 1)));
    const __m512d lo = _mm512_set1_pd(r.relu ? 0.0 : -128.0), hi = _mm512_set1_pd(127.0);
    for (int b = 0; b < nb; ++b) {
      const __m512i acc = _mm512_add_epi32(_mm512_loadu_si512(sums[b]), bias);
      __m512d vlo = _mm512_mul_pd(_mm512_cvtepi32_pd(_mm512_castsi512_si256(acc)), mlo);
      __m512d vhi = _mm512_mul_pd(_mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(acc, 1)), mhi);
      if (r.dequantize) {
        _mm256_storeu_ps(res[b], _mm512_cvtpd_ps(vlo));
        _mm256_storeu_ps(res[b] + 8, _mm512_cvtpd_ps(vhi));
        continue;
      }
      constexpr int kRne = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
      vlo = _mm512_roundscale_pd(_mm512_min_pd(_mm512_max_pd(vlo, lo), hi), kRne);
      vhi = _mm512_roundscale_pd(_mm512_min_pd(_mm512_max_pd(vhi, lo), hi), kRne);
      _mm256_storeu_ps(res[b], _mm256_cvtepi32_ps(_mm512_cvtpd_epi32(vlo)));
      _mm256_storeu_ps(res[b] + 8, _mm256_cvtepi32_ps(_mm512_cvtpd_epi32(vhi)));
    }
  } else
#elif defined(FAULTBENCH_SIMD_TARGET_AVX2)
  if (nc == kLanes) {
    const __m256i bias =
        r.bias ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r.bias + co0)) : _mm256_setzero_si256();
    const __m256 m = _mm256_loadu_ps(r.multiplier + co0);
    const __m256d mlo = _mm256_cvtps_pd(_mm256_castps256_ps128(m)), mhi = _mm256_cvtps_pd(_mm256_extractf128_ps(m, 1));
    const __m256d lo = _mm256_set1_pd(r.relu ? 0.0 : -128.0), hi = _mm256_set1_pd(127.0);
    for (int b = 0; b < nb; ++b) {
      const __m256i acc = _mm256_add_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(sums[b])), bias);
      __m256d vlo = _mm256_mul_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(acc)), mlo);
      __m256d vhi = _mm256_mul_pd(_mm256_cvtepi32_pd(_mm256_extracti128_si256(acc, 1)), mhi);
      if (r.dequantize) {
        _mm_storeu_ps(res[b], _mm256_cvtpd_ps(vlo));
        _mm_storeu_ps(res[b] + 4, _mm256_cvtpd_ps(vhi));
        continue;
      }
      constexpr int kRne = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
      vlo = _mm256_round_pd(_mm256_min_pd(_mm256_max_pd(vlo, lo), hi), kRne);
      vhi = _mm256_round_pd(_mm256_min_pd(_mm256_max_pd(vhi, lo), hi), kRne);
      _mm_storeu_ps(res[b], _mm_cvtepi32_ps(_mm256_cvtpd_epi32(vlo)));
      _mm_storeu_ps(res[b] + 4, _mm_cvtepi32_ps(_mm256_cvtpd_epi32(vhi)));
    }
  } else
#endif
  {
    for (int b = 0; b < nb; ++b)
      for (int l = 0; l < nc; ++l) res[b][l] = qrequant_one(r, co0 + l, sums[b][l]);
  }
  for (int l = 0; l < nc; ++l)
    for (int b = 0; b < nb; ++b) y[l * plane + b] = res[b][l];
}
#pragma GCC diagnostic pop

// One (image, group)'s codes, channels last: d[(h * wp + w) * pixel + ci] = code (as T).
template <class T>
void copy_channels_last(const float* x, int cig, int in_h, int in_w, uint8_t* d, int wp, int64_t pixel) {
  const int64_t plane = int64_t(in_h) * in_w;
  for (int h = 0; h < in_h; ++h)
    for (int w = 0; w < in_w; ++w) {
      T* at = reinterpret_cast<T*>(d + (int64_t(h) * wp + w) * pixel);
      const float* src = x + int64_t(h) * in_w + w;
      for (int ci = 0; ci < cig; ++ci) at[ci] = T(int32_t(src[ci * plane]));
    }
}

// Whether a bit of positions [p, p + count) is set.
bool any_needed(const uint64_t* need, int64_t p, int64_t count) {
  for (int64_t q = p; q < p + count; ++q)
    if ((need[q >> 6] >> (q & 63)) & 1) return true;
  return false;
}

QConvPath path_for(bool x_unsigned) {
#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
  if (x_unsigned) return qconv_vnni_usable() ? QConvPath::Avx512Vnni : QConvPath::Avx512Maddubs;
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
  const int cig = s.in_c / s.groups, cog = s.out_c / s.groups, taps = win.kernel_h * win.kernel_w;
  p.k = cig * taps;
  // int32 sums: |sum| <= K x 128 x 128 <= 2^29, plus a bias of at most 2^30: no wrap.
  if (p.k > 32768) shape_error("qconv", "reduction of " + std::to_string(p.k) + " products exceeds 32768");
  p.k4 = taps * padded_channels(cig, true) / 4;
  p.k2 = taps * padded_channels(cig, false) / 2;
  p.co_pad = (cog + kLanes - 1) / kLanes * kLanes;
  p.quads.assign(size_t(s.groups) * p.k4 * p.co_pad * 4, 0);
  p.pairs.assign(size_t(s.groups) * p.k2 * p.co_pad * 2, 0);
  for (int64_t i = 0; i < int64_t(s.out_c) * p.k; ++i) qconv_pack_set(p, i, weight[i]);
  return p;
}

void qconv_pack_set(QConvPacked& p, int64_t index, int8_t value) {
  const Window2d win = p.shape.window();
  const int cog = p.shape.out_c / p.shape.groups, cig = p.shape.in_c / p.shape.groups;
  const int taps = win.kernel_h * win.kernel_w;
  const int co = int(index / p.k), rest = int(index % p.k), g = co / cog, c = co % cog;
  const int ci = rest / taps, tap = rest % taps;  // PyTorch order (ci, kh, kw); packed (kh, kw, ci)
  const int kq = tap * padded_channels(cig, true) + ci, kp = tap * padded_channels(cig, false) + ci;
  p.quads[((size_t(g) * p.k4 + kq / 4) * p.co_pad + c) * 4 + kq % 4] = value;
  p.pairs[((size_t(g) * p.k2 + kp / 2) * p.co_pad + c) * 2 + kp % 2] = value;
}

QConvPath qconv_optimized(const Conv2dShape& s, const float* x, const QConvPacked& pack, const QRequant& r, float* y,
                          ThreadPool* pool, bool x_unsigned, const uint64_t* needed, const float* const* fill) {
  if (s.batch == 0) return QConvPath::None;
  if (pack.lanes != kLanes)
    throw UsageError("qconv: weights packed for another SIMD target (" + std::to_string(pack.lanes) +
                     " lanes); pack again");
  const Window2d win = s.window();
  const bool quads = x_unsigned;
  const QConvPath path = path_for(x_unsigned);
  const int cig = s.in_c / s.groups, cog = s.out_c / s.groups, cp = padded_channels(cig, quads);
  const int es = quads ? 1 : 2;  // bytes per code in the copy
  const int hp = s.in_h + win.pad_top + win.pad_bottom, wp = s.in_w + win.pad_left + win.pad_right;
  const int64_t pixel = int64_t(cp) * es, copy = int64_t(hp) * wp * pixel;
  const int64_t positions = int64_t(s.out_h) * s.out_w, in_plane = int64_t(s.in_h) * s.in_w;
  const int64_t chunks = (positions + kChunk - 1) / kChunk, images = int64_t(s.batch) * s.groups;
  const int64_t words = (positions + 63) / 64;  // of a `needed` bitmap
  // The channels-last copies of every (image, group), codes as u8 or int16, zero borders.
  thread_local std::vector<uint8_t> buffer;
  buffer.assign(size_t(images * copy), 0);
  uint8_t* const buf = buffer.data();
  parallel_range(pool, images, [&](long long begin, long long end) {
    for (long long ig = begin; ig < end; ++ig) {
      if (needed) {  // the group's golden rows first; the tiles with a needed position overwrite theirs
        const int64_t n = ig / s.groups, g = ig % s.groups, first = g * cog * positions;
        std::copy_n(fill[n] + first, cog * positions, y + n * s.out_c * positions + first);
        if (!any_needed(needed + n * words, 0, positions)) continue;  // its input copy is never read
      }
      const float* xg = x + ig * cig * in_plane;  // (n, g): input channels n * in_c + g * cig...
      uint8_t* d = buf + ig * copy + (int64_t(win.pad_top) * wp + win.pad_left) * pixel;
      if (quads)
        copy_channels_last<uint8_t>(xg, cig, s.in_h, s.in_w, d, wp, pixel);
      else
        copy_channels_last<int16_t>(xg, cig, s.in_h, s.in_w, d, wp, pixel);
    }
  });
  std::vector<int32_t> taps;
  for (int kh = 0; kh < win.kernel_h; ++kh)
    for (int kw = 0; kw < win.kernel_w; ++kw)
      taps.push_back(int32_t((int64_t(kh) * win.dilation_h * wp + int64_t(kw) * win.dilation_w) * pixel));
  const int cwords = int(pixel / 4), ntaps = int(taps.size());
  const int8_t* weights = quads ? pack.quads.data() : reinterpret_cast<const int8_t*>(pack.pairs.data());
  const size_t group_words = size_t(ntaps) * cwords * pack.co_pad * 4;  // bytes of one group's weights
  parallel_range(pool, images * chunks, [&](long long begin, long long end) {
    alignas(64) TileSums sums;
    for (long long item = begin; item < end; ++item) {
      const int64_t ig = item / chunks, n = ig / s.groups, g = ig % s.groups;
      const int64_t p0 = item % chunks * kChunk, np = std::min<int64_t>(kChunk, positions - p0);
      const uint8_t* d = buf + ig * copy;
      const uint64_t* need = needed ? needed + n * words : nullptr;
      for (int64_t b0 = 0; b0 < np; b0 += kBlock) {
        const int nb = int(std::min<int64_t>(kBlock, np - b0));
        if (need && !any_needed(need, p0 + b0, nb)) continue;  // golden: copied from fill above
        const uint8_t* base[kBlock];
        for (int b = 0; b < kBlock; ++b) {
          const int64_t p = p0 + b0 + std::min(b, nb - 1);  // extra lanes repeat the last: not stored
          const int64_t oh = p / s.out_w, ow = p % s.out_w;
          base[b] = d + (oh * win.stride_h * wp + ow * win.stride_w) * pixel;
        }
        for (int c0 = 0; c0 < cog;) {
          const int8_t* w = weights + g * group_words + size_t(c0) * 4;
          const int nv = std::min(kMaxVectors, (cog - c0 + kLanes - 1) / kLanes);
          const auto run = [&]<int NV>() {
            if constexpr (NV <= kMaxVectors)
              tile_path<NV>(path, quads, base, taps.data(), ntaps, cwords, w, pack.co_pad, sums);
          };
          switch (nv) {
            case 4: run.template operator()<4>(); break;
            case 3: run.template operator()<3>(); break;
            case 2: run.template operator()<2>(); break;
            default: run.template operator()<1>(); break;
          }
          for (int v = 0; v < nv; ++v, c0 += kLanes) {
            const int co0 = int(g) * cog + c0;
            requantize(r, co0, std::min(kLanes, cog - c0), nb, sums[v], y + (n * s.out_c + co0) * positions + p0 + b0,
                       positions);
          }
        }
      }
    }
  });
  return path;
}

}  // namespace faultbench::ops::FAULTBENCH_SIMD_NS

#include "ops/simd/end_target.h"
