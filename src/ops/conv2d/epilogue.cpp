// conv2d: the fused elementwise epilogue applied after a conv (ConvEpilogue, conv2d.h), in
// the unfused operations' order.
#include <cstdint>
#include <cstring>

#include "faultbench/ops/conv2d.h"

namespace faultbench::ops {

void conv2d_epilogue(const ConvEpilogue& e, int co, const float* src, const float* res, float* dst, int64_t len) {
  // Separate passes over a cache-hot segment; each is one IEEE operation per element.
  if (e.alpha) {
    const float a = e.alpha[co], b = e.beta[co];
    for (int64_t i = 0; i < len; ++i) {
      const float scaled = src[i] * a;
      dst[i] = scaled + b;
    }
    src = dst;
  }
  if (res) {
    if (e.residual_first)
      for (int64_t i = 0; i < len; ++i) dst[i] = res[i] + src[i];
    else
      for (int64_t i = 0; i < len; ++i) dst[i] = src[i] + res[i];
    src = dst;
  }
  if (e.relu) {
    for (int64_t i = 0; i < len; ++i) dst[i] = src[i] < 0.0f ? 0.0f : src[i];
    src = dst;
  }
  if (src != dst) std::memcpy(dst, src, sizeof(float) * size_t(len));
}

}  // namespace faultbench::ops
