// Private to src/ops/conv2d, per SIMD target: a vector's lanes rounded to a 16-bit format
// (ConvEpilogue::round), each lane exactly as ops::round_value (faultbench/ops/rounding.h)
// rounds it: the same integer formulas on the bits, vectorized.
#pragma once
#include "faultbench/ops/rounding.h"

#if !defined(FAULTBENCH_SIMD_IN_TARGET)
#error "conv2d/round_lanes.h belongs inside a SIMD target region (ops/simd/begin_target.h)"
#endif

namespace faultbench::ops::FAULTBENCH_SIMD_NS::detail {

#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
inline __m512i bits_const(uint32_t c) { return _mm512_set1_epi32(int32_t(c)); }
// (The full-mask form: GCC 12 warns about the unmasked one's undefined pass-through.)
inline __m512i shift_right(__m512i u, unsigned n) { return _mm512_mask_srli_epi32(u, 0xFFFF, u, n); }
inline simd::vf round_lanes_bf16(simd::vf v) {
  const __m512i u = _mm512_castps_si512(v);
  const __m512i lsb = _mm512_and_si512(shift_right(u, 16), bits_const(1));
  const __m512i r =
      _mm512_and_si512(_mm512_add_epi32(_mm512_add_epi32(u, bits_const(0x7fffu)), lsb), bits_const(0xffff0000u));
  const __m512i nan = _mm512_and_si512(_mm512_or_si512(u, bits_const(0x00400000u)), bits_const(0xffff0000u));
  const __mmask16 is_nan =
      _mm512_cmpgt_epi32_mask(_mm512_and_si512(u, bits_const(0x7fffffffu)), bits_const(0x7f800000u));
  return _mm512_castsi512_ps(_mm512_mask_mov_epi32(r, is_nan, nan));
}
inline simd::vf round_lanes_fp16(simd::vf v) {
  const __m512i u = _mm512_castps_si512(v);
  const __m512i a = _mm512_and_si512(u, bits_const(0x7fffffffu)), sign = _mm512_and_si512(u, bits_const(0x80000000u));
  const __m512i nan = _mm512_and_si512(_mm512_or_si512(u, bits_const(0x00400000u)), bits_const(~0x1fffu));
  const __m512i lsb = _mm512_and_si512(shift_right(u, 13), bits_const(1));
  __m512i normal =
      _mm512_and_si512(_mm512_add_epi32(_mm512_add_epi32(u, bits_const(0x0fffu)), lsb), bits_const(~0x1fffu));
  const __mmask16 big =
      _mm512_cmpgt_epi32_mask(_mm512_and_si512(normal, bits_const(0x7fffffffu)), bits_const(0x477fe000u));
  normal = _mm512_mask_mov_epi32(normal, big, _mm512_or_si512(sign, bits_const(0x7f800000u)));
  const __m512 quarter3 = _mm512_set1_ps(0.75f);
  const __m512 tiny = _mm512_sub_ps(_mm512_add_ps(v, quarter3), quarter3);
  const __m512i sub = _mm512_or_si512(_mm512_and_si512(_mm512_castps_si512(tiny), bits_const(0x7fffffffu)), sign);
  __m512i r = _mm512_mask_mov_epi32(normal, _mm512_cmplt_epi32_mask(a, bits_const(0x38800000u)), sub);
  r = _mm512_mask_mov_epi32(r, _mm512_cmpgt_epi32_mask(a, bits_const(0x7f800000u)), nan);
  return _mm512_castsi512_ps(r);
}
#elif defined(FAULTBENCH_SIMD_TARGET_AVX2)
inline __m256i bits_const(uint32_t c) { return _mm256_set1_epi32(int32_t(c)); }
inline simd::vf round_lanes_bf16(simd::vf v) {
  const __m256i u = _mm256_castps_si256(v);
  const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), bits_const(1));
  const __m256i r =
      _mm256_and_si256(_mm256_add_epi32(_mm256_add_epi32(u, bits_const(0x7fffu)), lsb), bits_const(0xffff0000u));
  const __m256i nan = _mm256_and_si256(_mm256_or_si256(u, bits_const(0x00400000u)), bits_const(0xffff0000u));
  // Signed compares are exact here: the masked words are below 2^31.
  const __m256i is_nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, bits_const(0x7fffffffu)), bits_const(0x7f800000u));
  return _mm256_castsi256_ps(_mm256_blendv_epi8(r, nan, is_nan));
}
inline simd::vf round_lanes_fp16(simd::vf v) {
  const __m256i u = _mm256_castps_si256(v);
  const __m256i a = _mm256_and_si256(u, bits_const(0x7fffffffu)), sign = _mm256_and_si256(u, bits_const(0x80000000u));
  const __m256i nan = _mm256_and_si256(_mm256_or_si256(u, bits_const(0x00400000u)), bits_const(~0x1fffu));
  const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 13), bits_const(1));
  __m256i normal =
      _mm256_and_si256(_mm256_add_epi32(_mm256_add_epi32(u, bits_const(0x0fffu)), lsb), bits_const(~0x1fffu));
  const __m256i big = _mm256_cmpgt_epi32(_mm256_and_si256(normal, bits_const(0x7fffffffu)), bits_const(0x477fe000u));
  normal = _mm256_blendv_epi8(normal, _mm256_or_si256(sign, bits_const(0x7f800000u)), big);
  const __m256 quarter3 = _mm256_set1_ps(0.75f);
  const __m256 tiny = _mm256_sub_ps(_mm256_add_ps(v, quarter3), quarter3);
  const __m256i sub = _mm256_or_si256(_mm256_and_si256(_mm256_castps_si256(tiny), bits_const(0x7fffffffu)), sign);
  __m256i r = _mm256_blendv_epi8(normal, sub, _mm256_cmpgt_epi32(bits_const(0x38800000u), a));
  r = _mm256_blendv_epi8(r, nan, _mm256_cmpgt_epi32(a, bits_const(0x7f800000u)));
  return _mm256_castsi256_ps(r);
}
#else
// NEON and scalar: lane by lane through the scalar formulas.
inline simd::vf round_lanes_generic(simd::vf v, Rounding r) {
  alignas(64) float t[simd::kLanes];
  simd::store(t, v);
  for (int i = 0; i < simd::kLanes; ++i) t[i] = round_value(r, t[i]);
  return simd::load(t);
}
inline simd::vf round_lanes_bf16(simd::vf v) { return round_lanes_generic(v, Rounding::Bf16); }
inline simd::vf round_lanes_fp16(simd::vf v) { return round_lanes_generic(v, Rounding::Fp16); }
#endif

// None: v itself.
inline simd::vf round_lanes(simd::vf v, Rounding r) {
  if (r == Rounding::Bf16) return round_lanes_bf16(v);
  if (r == Rounding::Fp16) return round_lanes_fp16(v);
  return v;
}

}  // namespace faultbench::ops::FAULTBENCH_SIMD_NS::detail
