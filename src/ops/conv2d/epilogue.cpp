// conv2d: the fused elementwise epilogue applied after a conv (ConvEpilogue, conv2d.h), in
// the unfused operations' order.
#include <cstdint>
#include <cstring>

#include "faultbench/ops/conv2d.h"
#include "faultbench/ops/rounding.h"

namespace faultbench::ops {

void round_values(Rounding r, float* x, int64_t n) {
  // One loop per format, so that each vectorizes.
  if (r == Rounding::Bf16)
    for (int64_t i = 0; i < n; ++i) x[i] = round_bf16(x[i]);
  else if (r == Rounding::Fp16)
    for (int64_t i = 0; i < n; ++i) x[i] = round_fp16(x[i]);
}

void conv2d_epilogue(const ConvEpilogue& e, int co, const float* src, const float* res, float* dst, int64_t len) {
  // Separate passes over a cache-hot segment; each is one IEEE operation per element (or
  // one rounding to the mode's format, after the conv, the batch norm and the add).
  const bool rounds = e.round != Rounding::None;
  if (rounds) {
    if (src != dst) std::memcpy(dst, src, sizeof(float) * size_t(len));
    round_values(e.round, dst, len);
    src = dst;
  }
  if (e.alpha) {
    const float a = e.alpha[co], b = e.beta[co];
    for (int64_t i = 0; i < len; ++i) {
      const float scaled = src[i] * a;
      dst[i] = scaled + b;
    }
    src = dst;
    if (rounds) round_values(e.round, dst, len);
  }
  if (res) {
    if (e.residual_first)
      for (int64_t i = 0; i < len; ++i) dst[i] = res[i] + src[i];
    else
      for (int64_t i = 0; i < len; ++i) dst[i] = src[i] + res[i];
    src = dst;
    if (rounds) round_values(e.round, dst, len);
  }
  if (e.relu) {
    for (int64_t i = 0; i < len; ++i) dst[i] = src[i] < 0.0f ? 0.0f : src[i];
    src = dst;
  }
  if (src != dst) std::memcpy(dst, src, sizeof(float) * size_t(len));
}

}  // namespace faultbench::ops
