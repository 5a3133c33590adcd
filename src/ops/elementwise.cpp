// relu and add: shape rules, reference and optimized (parallel, auto-vectorized) kernels.
// Both variants perform the identical single IEEE operation per element.
#include <algorithm>
#include <cstdint>
#include <string>

#include "faultbench/ops/elementwise.h"
#include "faultbench/util/parallel.h"

namespace faultbench::ops {

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
  parallel_range(pool, (s.count + kGrain - 1) / kGrain, [&](long long b, long long e) {
    const int64_t lo = b * kGrain, hi = std::min<int64_t>(s.count, e * kGrain);
    for (int64_t i = lo; i < hi; ++i) y[i] = relu1(x[i]);
  });
}

void add_reference(const ElementwiseShape& s, const float* a, const float* b, float* y) {
  validate_elementwise("add", s);
  for (int64_t i = 0; i < s.count; ++i) y[i] = a[i] + b[i];
}

void add_optimized(const ElementwiseShape& s, const float* a, const float* b, float* y, ThreadPool* pool) {
  validate_elementwise("add", s);
  parallel_range(pool, (s.count + kGrain - 1) / kGrain, [&](long long lo_item, long long hi_item) {
    const int64_t lo = lo_item * kGrain, hi = std::min<int64_t>(s.count, hi_item * kGrain);
    for (int64_t i = lo; i < hi; ++i) y[i] = a[i] + b[i];
  });
}

}  // namespace faultbench::ops
