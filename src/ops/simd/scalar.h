// Scalar backend of the SIMD API: one lane, std::fma (included by begin_target.h inside
// the N_SCALAR region; see docs/SIMD.md). The reference every vector backend matches lane
// by lane, and the path for CPUs without FMA.
namespace faultbench::ops::N_SCALAR::simd {

constexpr int kLanes = 1;
using vf = float;
using vi = int32_t;
inline vf zero() { return 0.0f; }
inline vf load(const float* p) { return *p; }
inline void store(float* p, vf v) { *p = v; }
inline vf set1(float x) { return x; }
inline vf fma(vf a, vf b, vf c) { return std::fma(a, b, c); }
inline vf add(vf a, vf b) { return a + b; }
inline vf mul(vf a, vf b) { return a * b; }
inline vf div(vf a, vf b) { return a / b; }
inline void keep_in_register(vf&) {}
inline vf max_step(vf m, vf v) { return v > m || std::isnan(v) ? v : m; }
inline vf relu(vf v) { return v < 0.0f ? 0.0f : v; }
inline bool any_negative_zero(vf v) { return v == 0.0f && std::signbit(v); }
inline vf load_halves(const float* lo, const float*) { return *lo; }
inline vf load_first(const float* p, int n) { return n > 0 ? *p : 0.0f; }
inline void store_first(float* p, vf v, int n) {
  if (n > 0) *p = v;
}
inline uint32_t differ_bits(const float* a, const float* b) { return std::memcmp(a, b, sizeof(float)) != 0; }

inline vi load_i(const int32_t* p) { return *p; }
inline vi set1_i(int32_t x) { return x; }
inline vi add_i(vi a, vi b) { return a + b; }
inline vf gather(const float* base, vi idx) { return base[idx]; }
inline vf permute(vf v, vi) { return v; }

}  // namespace faultbench::ops::N_SCALAR::simd
