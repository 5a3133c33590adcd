// Thin wrapper over the widest float vectors the build targets (private to src/ops).
//
// Only operations whose scalar counterpart rounds identically are offered: a lane of
// fma() is exactly std::fma, add() and mul() are IEEE single operations. A kernel written
// against these therefore computes each lane exactly as the scalar reference does.
#pragma once
#include <cmath>

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

namespace faultbench::ops::simd {

#if defined(__AVX512F__)
constexpr int kLanes = 16;
using vf = __m512;
inline vf zero() { return _mm512_setzero_ps(); }
inline vf load(const float* p) { return _mm512_loadu_ps(p); }
inline void store(float* p, vf v) { _mm512_storeu_ps(p, v); }
inline vf set1(float x) { return _mm512_set1_ps(x); }
inline vf fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
inline vf add(vf a, vf b) { return _mm512_add_ps(a, b); }
inline vf mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
inline void keep_in_register(vf& v) { __asm__("" : "+v"(v)); }
// v < 0 ? 0 : v per lane (ordered compare: NaN and -0.0 pass through unchanged).
inline vf relu(vf v) { return _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(v, zero(), _CMP_LT_OQ), zero()); }
// True if some lane holds exactly -0.0f (bit pattern 0x80000000).
inline bool any_negative_zero(vf v) {
  return _mm512_cmpeq_epi32_mask(_mm512_castps_si512(v), _mm512_set1_epi32(int(0x80000000u))) != 0;
}
// Lanes [0, L/2) from lo, [L/2, L) from hi.
inline vf load_halves(const float* lo, const float* hi) {
  return _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(lo)), _mm256_loadu_ps(hi), 1);
}
#elif defined(__AVX2__) && defined(__FMA__)
constexpr int kLanes = 8;
using vf = __m256;
inline vf zero() { return _mm256_setzero_ps(); }
inline vf load(const float* p) { return _mm256_loadu_ps(p); }
inline void store(float* p, vf v) { _mm256_storeu_ps(p, v); }
inline vf set1(float x) { return _mm256_set1_ps(x); }
inline vf fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
inline vf add(vf a, vf b) { return _mm256_add_ps(a, b); }
inline vf mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
inline void keep_in_register(vf& v) { __asm__("" : "+x"(v)); }
inline vf relu(vf v) { return _mm256_blendv_ps(v, zero(), _mm256_cmp_ps(v, zero(), _CMP_LT_OQ)); }
inline bool any_negative_zero(vf v) {
  const __m256i m = _mm256_cmpeq_epi32(_mm256_castps_si256(v), _mm256_set1_epi32(int(0x80000000u)));
  return _mm256_movemask_epi8(m) != 0;
}
inline vf load_halves(const float* lo, const float* hi) {
  return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(lo)), _mm_loadu_ps(hi), 1);
}
#else
// Portable fallback: one lane, std::fma. Slow but bit-identical.
constexpr int kLanes = 1;
using vf = float;
inline vf zero() { return 0.0f; }
inline vf load(const float* p) { return *p; }
inline void store(float* p, vf v) { *p = v; }
inline vf set1(float x) { return x; }
inline vf fma(vf a, vf b, vf c) { return std::fma(a, b, c); }
inline vf add(vf a, vf b) { return a + b; }
inline vf mul(vf a, vf b) { return a * b; }
inline void keep_in_register(vf&) {}
inline vf relu(vf v) { return v < 0.0f ? 0.0f : v; }
inline bool any_negative_zero(vf v) { return v == 0.0f && std::signbit(v); }
inline vf load_halves(const float* lo, const float*) { return *lo; }
#endif

}  // namespace faultbench::ops::simd
