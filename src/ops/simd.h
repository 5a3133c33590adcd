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
#endif

}  // namespace faultbench::ops::simd
