// NEON backend of the SIMD API (aarch64; included by begin_target.h inside the N_NEON
// region; see docs/SIMD.md). 4 lanes; vfmaq_f32 is a fused multiply-add, rounding as
// std::fma does, so every lane computes exactly what the scalar backend computes for it.
namespace faultbench::ops::N_NEON::simd {

constexpr int kLanes = 4;
using vf = float32x4_t;
using vi = int32x4_t;
inline vf zero() { return vdupq_n_f32(0.0f); }
inline vf load(const float* p) { return vld1q_f32(p); }
inline void store(float* p, vf v) { vst1q_f32(p, v); }
inline vf set1(float x) { return vdupq_n_f32(x); }
inline vf fma(vf a, vf b, vf c) { return vfmaq_f32(c, a, b); }  // c + a * b, one rounding
inline vf add(vf a, vf b) { return vaddq_f32(a, b); }
inline vf mul(vf a, vf b) { return vmulq_f32(a, b); }
inline vf div(vf a, vf b) { return vdivq_f32(a, b); }
inline void keep_in_register(vf& v) { __asm__("" : "+w"(v)); }
// The max pool's step (PyTorch's rule): v replaces m where v > m or v is NaN (v != v).
inline vf max_step(vf m, vf v) { return vbslq_f32(vorrq_u32(vcgtq_f32(v, m), vmvnq_u32(vceqq_f32(v, v))), v, m); }
// vcltq is false for NaN and -0.0: both pass through, as in the scalar backend.
inline vf relu(vf v) { return vbslq_f32(vcltq_f32(v, zero()), zero(), v); }
inline bool any_negative_zero(vf v) {
  return vmaxvq_u32(vceqq_u32(vreinterpretq_u32_f32(v), vdupq_n_u32(0x80000000u))) != 0;
}
inline vf load_halves(const float* lo, const float* hi) { return vcombine_f32(vld1_f32(lo), vld1_f32(hi)); }
inline vf load_first(const float* p, int n) {
  float t[kLanes] = {};
  for (int l = 0; l < n; ++l) t[l] = p[l];
  return vld1q_f32(t);
}
inline void store_first(float* p, vf v, int n) {
  float t[kLanes];
  vst1q_f32(t, v);
  for (int l = 0; l < n; ++l) p[l] = t[l];
}
inline uint32_t differ_bits(const float* a, const float* b) {
  const uint32x4_t ne = vmvnq_u32(
      vceqq_u32(vld1q_u32(reinterpret_cast<const uint32_t*>(a)), vld1q_u32(reinterpret_cast<const uint32_t*>(b))));
  const uint32_t weights[kLanes] = {1, 2, 4, 8};
  return vaddvq_u32(vandq_u32(ne, vld1q_u32(weights)));
}

inline vi load_i(const int32_t* p) { return vld1q_s32(p); }
inline vi set1_i(int32_t x) { return vdupq_n_s32(x); }
inline vi add_i(vi a, vi b) { return vaddq_s32(a, b); }
inline vf gather(const float* base, vi idx) {
  int32_t i[kLanes];
  vst1q_s32(i, idx);
  const float t[kLanes] = {base[i[0]], base[i[1]], base[i[2]], base[i[3]]};
  return vld1q_f32(t);
}
inline vf permute(vf v, vi idx) {
  float s[kLanes];
  int32_t i[kLanes];
  vst1q_f32(s, v);
  vst1q_s32(i, idx);
  const float t[kLanes] = {s[i[0]], s[i[1]], s[i[2]], s[i[3]]};
  return vld1q_f32(t);
}

}  // namespace faultbench::ops::N_NEON::simd
