// linear: shape rules, scalar reference, and the optimized kernel (output features in
// vector lanes, one fma chain per lane over i in increasing order).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "faultbench/ops/linear.h"
#include "faultbench/util/parallel.h"
#include "simd.h"

namespace faultbench::ops {

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
      const float* wo = weight + int64_t(o) * s.in_features;
      float acc = 0.0f;
      for (int i = 0; i < s.in_features; ++i) acc = std::fma(wo[i], xn[i], acc);
      y[int64_t(n) * s.out_features + o] = bias ? acc + bias[o] : acc;
    }
  }
}

LinearPacked linear_pack(const LinearShape& s, const float* weight) {
  validate_linear(s);
  LinearPacked p;
  p.shape = s;
  p.lanes = simd::kLanes;
  const int tiles = (s.out_features + p.lanes - 1) / p.lanes;
  p.data.resize(size_t(tiles) * s.in_features * p.lanes);
  float* d = p.data.data();
  for (int t = 0; t < tiles; ++t)
    for (int i = 0; i < s.in_features; ++i)
      for (int l = 0; l < p.lanes; ++l) {
        const int o = t * p.lanes + l;
        *d++ = o < s.out_features ? weight[int64_t(o) * s.in_features + i] : 0.0f;
      }
  return p;
}

void linear_pack_set(LinearPacked& p, int64_t index, float value) {
  const int64_t I = p.shape.in_features, count = I * p.shape.out_features;
  if (index < 0 || index >= count)
    shape_error("linear", "weight index " + std::to_string(index) + " outside the " + std::to_string(count) +
                              " weights");
  const int64_t o = index / I, i = index % I;
  p.data.data()[(o / p.lanes * I + i) * p.lanes + o % p.lanes] = value;
}

void linear_optimized(const LinearShape& s, const float* x, const LinearPacked& pack, const float* bias, float* y,
                      ThreadPool* pool) {
  validate_linear(s);
  if (pack.shape.in_features != s.in_features || pack.shape.out_features != s.out_features ||
      pack.lanes != simd::kLanes)
    shape_error("linear", "packed weights were prepared for a different shape");
  constexpr int L = simd::kLanes;
  const int I = s.in_features, O = s.out_features, tiles = (O + L - 1) / L;
  // Items: (group of up to G tiles, block of up to NB images), group-major so that a
  // thread reuses one group's weights (G * I * L floats) from cache for every image block;
  // each weight vector loaded feeds NB images. NB x G independent chains hide the fma
  // latency. Every accumulator lane is one output: +0.0f, then fma over i increasing.
  constexpr int G = 4, NB = 4;
  const int groups = (tiles + G - 1) / G, blocks = (s.batch + NB - 1) / NB;
  parallel_range(pool, int64_t(groups) * blocks, [&](long long begin, long long end) {
    for (long long item = begin; item < end; ++item) {
      const int t0 = int(item / blocks) * G, nt = std::min(G, tiles - t0);
      const int n0 = int(item % blocks) * NB, nb = std::min(NB, s.batch - n0);
      const float* xs[NB];
      for (int b = 0; b < NB; ++b) xs[b] = x + int64_t(n0 + std::min(b, nb - 1)) * I;  // extra rows: unstored
      const float* w = pack.data.data() + int64_t(t0) * I * L;
      simd::vf acc[NB][G];
#pragma GCC unroll 4
      for (int b = 0; b < NB; ++b)
#pragma GCC unroll 4
        for (int t = 0; t < G; ++t) acc[b][t] = simd::zero();
      if (nt == G) {
        for (int i = 0; i < I; ++i) {
          simd::vf wv[G];
#pragma GCC unroll 4
          for (int t = 0; t < G; ++t) wv[t] = simd::load(w + (int64_t(t) * I + i) * L);
#pragma GCC unroll 4
          for (int b = 0; b < NB; ++b) {
            const simd::vf xv = simd::set1(xs[b][i]);
#pragma GCC unroll 4
            for (int t = 0; t < G; ++t) acc[b][t] = simd::fma(wv[t], xv, acc[b][t]);
          }
        }
      } else {
        for (int t = 0; t < nt; ++t)
          for (int i = 0; i < I; ++i) {
            const simd::vf wv = simd::load(w + (int64_t(t) * I + i) * L);
            for (int b = 0; b < NB; ++b) acc[b][t] = simd::fma(wv, simd::set1(xs[b][i]), acc[b][t]);
          }
      }
      for (int b = 0; b < nb; ++b)
        for (int t = 0; t < nt; ++t) {
          alignas(64) float out[L];
          simd::store(out, acc[b][t]);
          const int o0 = (t0 + t) * L;
          float* yn = y + int64_t(n0 + b) * O;
          for (int l = 0; l < L && o0 + l < O; ++l)
            yn[o0 + l] = bias ? out[l] + bias[o0 + l] : out[l];
        }
    }
  });
}

}  // namespace faultbench::ops
