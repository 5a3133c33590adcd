// softmax over channels (ops/softmax.h): one sequential pass per image, in both variants.
#include "faultbench/ops/softmax.h"

#include <cmath>
#include <string>

namespace faultbench::ops {

void validate_softmax(const SoftmaxShape& s) {
  if (s.batch < 0) shape_error("softmax", "batch must be >= 0, got " + std::to_string(s.batch));
  if (s.channels <= 0) shape_error("softmax", "channels must be positive, got " + std::to_string(s.channels));
}

namespace {
void softmax_image(int c, const float* x, float* y) {
  float m = x[0];
  for (int i = 1; i < c; ++i)
    if (x[i] > m || std::isnan(x[i])) m = std::isnan(m) ? m : x[i];  // the first NaN stays
  float sum = 0.0f;
  for (int i = 0; i < c; ++i) {
    y[i] = std::exp(x[i] - m);
    sum += y[i];
  }
  const float r = 1.0f / sum;
  for (int i = 0; i < c; ++i) y[i] *= r;
}
}  // namespace

void softmax_reference(const SoftmaxShape& s, const float* x, float* y) {
  validate_softmax(s);
  for (int n = 0; n < s.batch; ++n) softmax_image(s.channels, x + int64_t(n) * s.channels, y + int64_t(n) * s.channels);
}

void softmax_optimized(const SoftmaxShape& s, const float* x, float* y, ThreadPool* pool) {
  validate_softmax(s);
  parallel_range(pool, s.batch, [&](long long b, long long e) {
    for (long long n = b; n < e; ++n) softmax_image(s.channels, x + n * s.channels, y + n * s.channels);
  });
}

}  // namespace faultbench::ops
