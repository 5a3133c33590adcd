// linear's optimized kernel, compiled once per SIMD target (cmake/Simd.cmake): output
// features in vector lanes, one fma chain per lane over i in increasing order. linear.cpp
// checks the shapes and the packing, then dispatches here.
#include <algorithm>
#include <cstdint>

#include "faultbench/ops/linear.h"
#include "faultbench/util/parallel.h"

#include "simd/begin_target.h"

namespace faultbench::ops::FAULTBENCH_SIMD_NS {

void linear_kernel(const LinearShape& s, const float* x, const LinearPacked& pack, const float* bias, float* y,
                   ThreadPool* pool) {
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
          for (int l = 0; l < L && o0 + l < O; ++l) yn[o0 + l] = bias ? out[l] + bias[o0 + l] : out[l];
        }
    }
  });
}

}  // namespace faultbench::ops::FAULTBENCH_SIMD_NS

#include "simd/end_target.h"
