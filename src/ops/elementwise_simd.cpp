// The vector bodies of the elementwise operators, compiled once per SIMD target
// (cmake/Simd.cmake); elementwise.cpp validates, splits the work and dispatches here.
// Each lane performs the scalar operation of its element, so every target agrees.
#include <cstdint>
#include <cstring>

#include "simd/begin_target.h"

namespace faultbench::ops::FAULTBENCH_SIMD_NS {

constexpr int L = simd::kLanes;

// x < 0 is false for NaN and for -0.0, so both pass through unchanged (PyTorch semantics).
void relu_span(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + L <= n; i += L) simd::store(y + i, simd::relu(simd::load(x + i)));
  for (; i < n; ++i) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

void add_span(const float* a, const float* b, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + L <= n; i += L) simd::store(y + i, simd::add(simd::load(a + i), simd::load(b + i)));
  for (; i < n; ++i) y[i] = a[i] + b[i];
}

// L divides 64, so the L bits of a vector starting at p (a multiple of L) sit in one word.
void mark_differences_kernel(const float* a, const float* b, int planes, int64_t positions, uint64_t* bits) {
  static_assert(64 % L == 0);
  for (int c = 0; c < planes; ++c) {
    const float* ap = a + int64_t(c) * positions;
    const float* bp = b + int64_t(c) * positions;
    int64_t p = 0;
    for (; p + L <= positions; p += L) bits[p / 64] |= uint64_t(simd::differ_bits(ap + p, bp + p)) << (p % 64);
    for (; p < positions; ++p)
      if (std::memcmp(ap + p, bp + p, sizeof(float)) != 0) bits[p / 64] |= uint64_t(1) << (p % 64);
  }
}

}  // namespace faultbench::ops::FAULTBENCH_SIMD_NS

#include "simd/end_target.h"
