// AVX2 + FMA backend of the SIMD API (included by begin_target.h inside the N_AVX2 target
// region; see docs/SIMD.md). 8 lanes; every lane computes exactly what the scalar backend
// computes for it.
namespace faultbench::ops::N_AVX2::simd {

constexpr int kLanes = 8;
using vf = __m256;
using vi = __m256i;
inline vf zero() { return _mm256_setzero_ps(); }
inline vf load(const float* p) { return _mm256_loadu_ps(p); }
inline void store(float* p, vf v) { _mm256_storeu_ps(p, v); }
inline vf set1(float x) { return _mm256_set1_ps(x); }
inline vf fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
inline vf add(vf a, vf b) { return _mm256_add_ps(a, b); }
inline vf mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
inline vf div(vf a, vf b) { return _mm256_div_ps(a, b); }
inline void keep_in_register(vf& v) { __asm__("" : "+x"(v)); }
// The max pool's step (PyTorch's rule): v replaces m where v > m or v is NaN.
inline vf max_step(vf m, vf v) {
  return _mm256_blendv_ps(m, v, _mm256_or_ps(_mm256_cmp_ps(v, m, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q)));
}
inline vf relu(vf v) { return _mm256_blendv_ps(v, zero(), _mm256_cmp_ps(v, zero(), _CMP_LT_OQ)); }
inline bool any_negative_zero(vf v) {
  const __m256i m = _mm256_cmpeq_epi32(_mm256_castps_si256(v), _mm256_set1_epi32(int(0x80000000u)));
  return _mm256_movemask_epi8(m) != 0;
}
inline vf load_halves(const float* lo, const float* hi) {
  return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(lo)), _mm_loadu_ps(hi), 1);
}
// All-ones in lanes [0, n): maskload/maskstore never touch the other lanes' memory.
inline __m256i first_lanes(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
inline vf load_first(const float* p, int n) { return _mm256_maskload_ps(p, first_lanes(n)); }
inline void store_first(float* p, vf v, int n) { _mm256_maskstore_ps(p, first_lanes(n), v); }
inline uint32_t differ_bits(const float* a, const float* b) {
  const __m256i eq = _mm256_cmpeq_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a)),
                                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b)));
  return ~uint32_t(_mm256_movemask_ps(_mm256_castsi256_ps(eq))) & 0xFFu;
}

inline vi load_i(const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
inline vi set1_i(int32_t x) { return _mm256_set1_epi32(x); }
inline vi add_i(vi a, vi b) { return _mm256_add_epi32(a, b); }
inline vf gather(const float* base, vi idx) { return _mm256_i32gather_ps(base, idx, 4); }
inline vf permute(vf v, vi idx) { return _mm256_permutevar8x32_ps(v, idx); }

}  // namespace faultbench::ops::N_AVX2::simd
