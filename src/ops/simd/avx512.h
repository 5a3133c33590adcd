// AVX-512 backend of the SIMD API (included by begin_target.h inside the N_AVX512 target
// region; see docs/SIMD.md). 16 lanes; every lane computes exactly what the scalar
// backend computes for it.
namespace faultbench::ops::N_AVX512::simd {

constexpr int kLanes = 16;
using vf = __m512;
using vi = __m512i;
inline vf zero() { return _mm512_setzero_ps(); }
inline vf load(const float* p) { return _mm512_loadu_ps(p); }
inline void store(float* p, vf v) { _mm512_storeu_ps(p, v); }
inline vf set1(float x) { return _mm512_set1_ps(x); }
inline vf fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
inline vf add(vf a, vf b) { return _mm512_add_ps(a, b); }
inline vf mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
inline vf div(vf a, vf b) { return _mm512_div_ps(a, b); }
inline void keep_in_register(vf& v) { __asm__("" : "+v"(v)); }
// The max pool's step (PyTorch's rule): v replaces m where v > m or v is NaN.
inline vf max_step(vf m, vf v) {
  return _mm512_mask_mov_ps(m, _mm512_cmp_ps_mask(v, m, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), v);
}
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
// Lanes [0, n) from p, the others 0; p[n..] is not read.
inline vf load_first(const float* p, int n) { return _mm512_maskz_loadu_ps(__mmask16((1u << n) - 1), p); }
// Stores lanes [0, n) of v; p[n..] is not written.
inline void store_first(float* p, vf v, int n) { _mm512_mask_storeu_ps(p, __mmask16((1u << n) - 1), v); }
// Bit l set where a[l] and b[l] differ bitwise.
inline uint32_t differ_bits(const float* a, const float* b) {
  return _mm512_cmpneq_epi32_mask(_mm512_loadu_si512(a), _mm512_loadu_si512(b));
}

// 32-bit integer lanes (gather indices, lane permutations).
inline vi load_i(const int32_t* p) { return _mm512_loadu_si512(p); }
inline vi set1_i(int32_t x) { return _mm512_set1_epi32(x); }
inline vi add_i(vi a, vi b) { return _mm512_add_epi32(a, b); }
// Lane l = base[idx[l]]. (The full-mask form: GCC 12 warns about the unmasked one's
// undefined pass-through.)
inline vf gather(const float* base, vi idx) {
  return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), __mmask16(0xFFFF), idx, base, 4);
}
// Lane l = v[idx[l]].
inline vf permute(vf v, vi idx) { return _mm512_mask_permutexvar_ps(v, 0xFFFF, idx, v); }

}  // namespace faultbench::ops::N_AVX512::simd
