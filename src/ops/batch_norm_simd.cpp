// batch_norm2d's optimized kernel, compiled once per SIMD target (cmake/Simd.cmake):
// y = x * alpha[c] + beta[c] (a multiply, then an add; never fused), then the ReLU.
// batch_norm.cpp checks the shapes and dispatches here.
#include <algorithm>
#include <cstdint>

#include "faultbench/ops/batch_norm.h"
#include "faultbench/util/parallel.h"

#include "simd/begin_target.h"

namespace faultbench::ops::FAULTBENCH_SIMD_NS {

namespace {

using simd::vf;
constexpr int L = simd::kLanes;
constexpr int kChannelBlock = 64;  // channels per parallel work item

// Channels [c0, c1) of one image ([C][P] rows): y = x * alpha[c] + beta[c] (a multiply,
// then an add), then the ReLU. Maps of P % kLanes == 0 floats take whole vectors per
// channel; maps dividing a vector (P = 1, 2, 4, 8: DenseNet's 2x2 maps) pack kLanes / P
// channels per vector with their constants spread over P lanes each; others go scalar.
void bn_channels(const float* __restrict x, float* __restrict y, const float* alpha, const float* beta, int c0, int c1,
                 int64_t P, bool relu) {
  int c = c0;
  if (L > 1 && P % L == 0) {
    for (; c < c1; ++c) {
      const vf a = simd::set1(alpha[c]), b = simd::set1(beta[c]);
      for (int64_t i = int64_t(c) * P; i < int64_t(c + 1) * P; i += L) {
        vf v = simd::add(simd::mul(simd::load(x + i), a), b);
        if (relu) v = simd::relu(v);
        simd::store(y + i, v);
      }
    }
  }
  if (L > 1 && P < L && L % P == 0) {
    const int per = int(L / P);  // channels per vector
    alignas(64) int32_t spread[L];
    for (int i = 0; i < L; ++i) spread[i] = int32_t(i / P);
    const simd::vi idx = simd::load_i(spread);
    for (; c + per <= c1; c += per) {
      const vf a = simd::permute(simd::load_first(alpha + c, per), idx);
      const vf b = simd::permute(simd::load_first(beta + c, per), idx);
      vf v = simd::add(simd::mul(simd::load(x + int64_t(c) * P), a), b);
      if (relu) v = simd::relu(v);
      simd::store(y + int64_t(c) * P, v);
    }
  }
  for (; c < c1; ++c)
    for (int64_t i = int64_t(c) * P; i < int64_t(c + 1) * P; ++i) {
      const float v = x[i] * alpha[c] + beta[c];  // -ffp-contract=off: no fusion
      y[i] = relu && v < 0.0f ? 0.0f : v;
    }
}

}  // namespace

void batch_norm_kernel(const BatchNormShape& s, const float* x, const float* alpha, const float* beta, float* y,
                       ThreadPool* pool, bool relu) {
  const int64_t plane = int64_t(s.h) * s.w, row = plane * s.channels;
  const int blocks = (s.channels + kChannelBlock - 1) / kChannelBlock;
  parallel_range(pool, int64_t(s.batch) * blocks, [&](long long begin, long long end) {
    for (long long item = begin; item < end; ++item) {
      const int64_t n = item / blocks;
      const int c0 = int(item % blocks) * kChannelBlock, c1 = std::min(s.channels, c0 + kChannelBlock);
      bn_channels(x + n * row, y + n * row, alpha, beta, c0, c1, plane, relu);
    }
  });
}

}  // namespace faultbench::ops::FAULTBENCH_SIMD_NS

#include "simd/end_target.h"
