// batch_norm2d (eval): shape rules, reference, folding and the optimized kernel.
// Folding is exactly PyTorch 1.13's CPU sequence, so both variants produce the same
// alpha/beta bits and then the same y = x * alpha + beta (mul, then add; never fused).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "faultbench/ops/batch_norm.h"
#include "faultbench/util/parallel.h"
#include "simd.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace faultbench::ops {

namespace {
inline void fold_one(float weight, float bias, float mean, float var, double eps, float* alpha, float* beta) {
  const float invstd = 1.0f / std::sqrt(var + static_cast<float>(eps));
  *alpha = weight * invstd;
  *beta = bias - mean * *alpha;
}
}  // namespace

void validate_batch_norm2d(const BatchNormShape& s) {
  if (s.batch < 0) shape_error("batch_norm2d", "batch must be >= 0, got " + std::to_string(s.batch));
  if (s.channels <= 0 || s.h <= 0 || s.w <= 0)
    shape_error("batch_norm2d", "channels/height/width must be positive, got " + std::to_string(s.channels) + "x" +
                                    std::to_string(s.h) + "x" + std::to_string(s.w));
}

void batch_norm2d_reference(const BatchNormShape& s, const float* x, const float* weight, const float* bias,
                            const float* mean, const float* var, double eps, float* y) {
  validate_batch_norm2d(s);
  const int64_t plane = int64_t(s.h) * s.w;
  for (int n = 0; n < s.batch; ++n)
    for (int c = 0; c < s.channels; ++c)
      for (int64_t i = 0; i < plane; ++i) {
        float alpha, beta;
        fold_one(weight[c], bias[c], mean[c], var[c], eps, &alpha, &beta);
        const int64_t at = (int64_t(n) * s.channels + c) * plane + i;
        const float scaled = x[at] * alpha;
        y[at] = scaled + beta;
      }
}

BatchNormFolded batch_norm2d_fold(int channels, const float* weight, const float* bias, const float* mean,
                                  const float* var, double eps) {
  if (channels <= 0) shape_error("batch_norm2d", "channels must be positive, got " + std::to_string(channels));
  BatchNormFolded f;
  f.alpha.resize(size_t(channels));
  f.beta.resize(size_t(channels));
  for (int c = 0; c < channels; ++c) fold_one(weight[c], bias[c], mean[c], var[c], eps, &f.alpha[size_t(c)], &f.beta[size_t(c)]);
  return f;
}

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
#if defined(__AVX512F__)
  if (P < L && L % P == 0) {
    const int per = int(L / P);  // channels per vector
    alignas(64) int32_t spread[L];
    for (int i = 0; i < L; ++i) spread[i] = int32_t(i / P);
    const __m512i idx = _mm512_load_si512(spread);
    const __mmask16 first = __mmask16((1u << per) - 1);
    // (The full-mask form: GCC 12 warns about the unmasked one's undefined pass-through.)
    const auto spread_lanes = [&](const float* v) {
      const __m512 packed = _mm512_maskz_loadu_ps(first, v);
      return _mm512_mask_permutexvar_ps(packed, 0xFFFF, idx, packed);
    };
    for (; c + per <= c1; c += per) {
      const vf a = spread_lanes(alpha + c), b = spread_lanes(beta + c);
      vf v = simd::add(simd::mul(simd::load(x + int64_t(c) * P), a), b);
      if (relu) v = simd::relu(v);
      simd::store(y + int64_t(c) * P, v);
    }
  }
#endif
  for (; c < c1; ++c)
    for (int64_t i = int64_t(c) * P; i < int64_t(c + 1) * P; ++i) {
      const float v = x[i] * alpha[c] + beta[c];  // -ffp-contract=off: no fusion
      y[i] = relu && v < 0.0f ? 0.0f : v;
    }
}

}  // namespace

void batch_norm2d_optimized(const BatchNormShape& s, const float* x, const BatchNormFolded& f, float* y,
                            ThreadPool* pool, bool relu) {
  validate_batch_norm2d(s);
  if (f.alpha.size() != size_t(s.channels) || f.beta.size() != size_t(s.channels))
    shape_error("batch_norm2d", "folded constants have " + std::to_string(f.alpha.size()) + " channels, expected " +
                                    std::to_string(s.channels));
  const int64_t plane = int64_t(s.h) * s.w, row = plane * s.channels;
  const int blocks = (s.channels + kChannelBlock - 1) / kChannelBlock;
  parallel_range(pool, int64_t(s.batch) * blocks, [&](long long begin, long long end) {
    for (long long item = begin; item < end; ++item) {
      const int64_t n = item / blocks;
      const int c0 = int(item % blocks) * kChannelBlock, c1 = std::min(s.channels, c0 + kChannelBlock);
      bn_channels(x + n * row, y + n * row, f.alpha.data(), f.beta.data(), c0, c1, plane, relu);
    }
  });
}

}  // namespace faultbench::ops
