// linear: shape rules, scalar reference, and the optimized kernel (output features in
// vector lanes, one fma chain per lane over i in increasing order: linear_simd.cpp).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "faultbench/ops/linear.h"
#include "faultbench/ops/simd_target.h"
#include "faultbench/util/parallel.h"
#include "simd/dispatch.h"

namespace faultbench::ops {

FAULTBENCH_SIMD_DECLARE(void, linear_kernel,
                        (const LinearShape& s, const float* x, const LinearPacked& pack, const float* bias, float* y,
                         ThreadPool* pool));

void validate_linear(const LinearShape& s) {
  if (s.batch < 0) shape_error("linear", "batch must be >= 0, got " + std::to_string(s.batch));
  if (s.in_features <= 0 || s.out_features <= 0)
    shape_error("linear", "in_features and out_features must be positive, got " + std::to_string(s.in_features) +
                              " and " + std::to_string(s.out_features));
}

void linear_reference(const LinearShape& s, const float* x, const float* weight, const float* bias, float* y) {
  validate_linear(s);
  for (int n = 0; n < s.batch; ++n) {
    const float* xn = x + int64_t(n) * s.in_features;
    for (int o = 0; o < s.out_features; ++o) {
      const bool t = s.weight_transposed;
      const float* wo = weight + (t ? int64_t(o) : int64_t(o) * s.in_features);
      const int64_t step = t ? s.out_features : 1;
      float acc = 0.0f;
      for (int i = 0; i < s.in_features; ++i) acc = std::fma(wo[i * step], xn[i], acc);
      y[int64_t(n) * s.out_features + o] = bias ? acc + bias[o] : acc;
    }
  }
}

LinearPacked linear_pack(const LinearShape& s, const float* weight) {
  validate_linear(s);
  LinearPacked p;
  p.shape = s;
  p.lanes = simd_lanes();
  const int tiles = (s.out_features + p.lanes - 1) / p.lanes;
  p.data.resize(size_t(tiles) * s.in_features * p.lanes);
  float* d = p.data.data();
  for (int t = 0; t < tiles; ++t)
    for (int i = 0; i < s.in_features; ++i)
      for (int l = 0; l < p.lanes; ++l) {
        const int o = t * p.lanes + l;
        const int64_t at = s.weight_transposed ? int64_t(i) * s.out_features + o : int64_t(o) * s.in_features + i;
        *d++ = o < s.out_features ? weight[at] : 0.0f;
      }
  return p;
}

void linear_pack_set(LinearPacked& p, int64_t index, float value) {
  const int64_t I = p.shape.in_features, count = I * p.shape.out_features;
  if (index < 0 || index >= count)
    shape_error("linear",
                "weight index " + std::to_string(index) + " outside the " + std::to_string(count) + " weights");
  const int64_t O = p.shape.out_features;
  const int64_t o = p.shape.weight_transposed ? index % O : index / I;
  const int64_t i = p.shape.weight_transposed ? index / O : index % I;
  p.data.data()[(o / p.lanes * I + i) * p.lanes + o % p.lanes] = value;
}

void linear_optimized(const LinearShape& s, const float* x, const LinearPacked& pack, const float* bias, float* y,
                      ThreadPool* pool) {
  validate_linear(s);
  if (pack.shape.in_features != s.in_features || pack.shape.out_features != s.out_features)
    shape_error("linear", "packed weights were prepared for a different shape");
  if (pack.lanes != simd_lanes())
    shape_error("linear", "packed weights have " + std::to_string(pack.lanes) + "-lane tiles, the " +
                              simd_target_name(simd_target()) + " kernels take " + std::to_string(simd_lanes()));
  FAULTBENCH_SIMD_CALL(linear_kernel)(s, x, pack, bias, y, pool);
}

void linear_scale(const LinearShape& s, float alpha, float beta, const float* bias, float* y) {
  validate_linear(s);
  for (int n = 0; n < s.batch; ++n) {
    float* yn = y + int64_t(n) * s.out_features;
    for (int o = 0; o < s.out_features; ++o) {
      const float scaled = alpha * yn[o];
      yn[o] = bias ? scaled + beta * bias[o] : scaled;
    }
  }
}

}  // namespace faultbench::ops
