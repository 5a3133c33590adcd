// relu and add: shape rules, reference and optimized (parallel; vector kernels in
// elementwise_simd.cpp) kernels. Both variants perform the identical single IEEE
// operation per element.
#include <algorithm>
#include <cstdint>
#include <string>

#include "faultbench/ops/elementwise.h"
#include "faultbench/util/parallel.h"
#include "simd/dispatch.h"

namespace faultbench::ops {

FAULTBENCH_SIMD_DECLARE(void, relu_span, (const float* x, float* y, int64_t n));
FAULTBENCH_SIMD_DECLARE(void, add_span, (const float* a, const float* b, float* y, int64_t n));
FAULTBENCH_SIMD_DECLARE(void, mark_differences_kernel,
                        (const float* a, const float* b, int planes, int64_t positions, uint64_t* bits));

namespace {
constexpr int64_t kGrain = 1 << 14;  // elements per parallel item

// x < 0 is false for NaN and for -0.0, so both pass through unchanged (PyTorch semantics).
inline float relu1(float v) { return v < 0.0f ? 0.0f : v; }
}  // namespace

void validate_elementwise(const char* op, const ElementwiseShape& s) {
  if (s.count < 0) shape_error(op, "element count must be >= 0, got " + std::to_string(s.count));
}

void relu_reference(const ElementwiseShape& s, const float* x, float* y) {
  validate_elementwise("relu", s);
  for (int64_t i = 0; i < s.count; ++i) y[i] = relu1(x[i]);
}

void relu_optimized(const ElementwiseShape& s, const float* x, float* y, ThreadPool* pool) {
  validate_elementwise("relu", s);
  const auto kernel = FAULTBENCH_SIMD_CALL(relu_span);
  parallel_range(pool, (s.count + kGrain - 1) / kGrain, [&](long long b, long long e) {
    const int64_t lo = b * kGrain, hi = std::min<int64_t>(s.count, e * kGrain);
    kernel(x + lo, y + lo, hi - lo);
  });
}

void add_reference(const ElementwiseShape& s, const float* a, const float* b, float* y) {
  validate_elementwise("add", s);
  for (int64_t i = 0; i < s.count; ++i) y[i] = a[i] + b[i];
}

void add_optimized(const ElementwiseShape& s, const float* a, const float* b, float* y, ThreadPool* pool) {
  validate_elementwise("add", s);
  const auto kernel = FAULTBENCH_SIMD_CALL(add_span);
  parallel_range(pool, (s.count + kGrain - 1) / kGrain, [&](long long lo_item, long long hi_item) {
    const int64_t lo = lo_item * kGrain, hi = std::min<int64_t>(s.count, hi_item * kGrain);
    kernel(a + lo, b + lo, y + lo, hi - lo);
  });
}

void mark_bitwise_differences(const float* a, const float* b, int planes, int64_t positions, uint64_t* bits) {
  FAULTBENCH_SIMD_CALL(mark_differences_kernel)(a, b, planes, positions, bits);
}

}  // namespace faultbench::ops
