// The int8 operators besides conv/linear (faultbench/ops/qelementwise.h).
#include "faultbench/ops/qelementwise.h"

#include "faultbench/ops/qconv.h"
#include "ops/simd/dispatch.h"

#include <algorithm>
#include <cmath>

namespace faultbench::ops {

FAULTBENCH_SIMD_DECLARE(void, qadd_span,
                        (int64_t n, const float* a, const float* b, double da, double db, double lo, float* y));

namespace {
constexpr int64_t kGrain = 1 << 14;

// Saturated to [lo, 127], then rounded half to even (np.rint; qrequant_rne: never -0.0).
// Clamping first gives the same as rounding first: the bounds are integers. Branch-free,
// so that the loops vectorize.
inline float saturate_round(double v, double lo) { return float(qrequant_rne(std::min(std::max(v, lo), 127.0))); }
}  // namespace

float quantize_one(float x, float scale) {
  const float v = x / scale;
  if (std::isnan(v)) return 0.0f;
  return saturate_round(double(v), -128.0);
}

void quantize_linear(int64_t n, const float* x, float scale, float* y, ThreadPool* pool) {
  parallel_range(pool, (n + kGrain - 1) / kGrain, [&](long long b, long long e) {
    for (int64_t i = b * kGrain, end = std::min<int64_t>(n, e * kGrain); i < end; ++i) y[i] = quantize_one(x[i], scale);
  });
}

void qadd(int64_t n, const float* a, const float* b, float ma, float mb, bool relu, float* y, ThreadPool* pool) {
  const double lo = relu ? 0.0 : -128.0;
  const auto span = FAULTBENCH_SIMD_CALL(qadd_span);  // qelementwise_simd.cpp
  parallel_range(pool, (n + kGrain - 1) / kGrain, [&](long long bb, long long e) {
    const int64_t begin = bb * kGrain, end = std::min<int64_t>(n, e * kGrain);
    span(end - begin, a + begin, b + begin, double(ma), double(mb), lo, y + begin);
  });
}

void qavg_pool(const QPoolShape& s, const float* x, float m, float* y, ThreadPool* pool) {
  const double dm = m;
  parallel_range(pool, int64_t(s.batch) * s.c, [&](long long b, long long e) {
    for (long long nc = b; nc < e; ++nc) {
      const float* xp = x + nc * s.in_h * s.in_w;
      float* yp = y + nc * s.out_h * s.out_w;
      for (int oh = 0; oh < s.out_h; ++oh)
        for (int ow = 0; ow < s.out_w; ++ow) {
          int64_t sum = 0;
          for (int kh = 0; kh < s.kernel_h; ++kh)
            for (int kw = 0; kw < s.kernel_w; ++kw)
              sum += int64_t(xp[(oh * s.stride_h + kh) * s.in_w + ow * s.stride_w + kw]);
          yp[oh * s.out_w + ow] = saturate_round(double(sum) * dm, -128.0);
        }
    }
  });
}

void qaffine(int64_t planes, int channels, int64_t hw, const float* x, const float* m, const float* b, bool relu,
             float* y, ThreadPool* pool) {
  const double lo = relu ? 0.0 : -128.0;
  parallel_range(pool, planes, [&](long long pb, long long pe) {
    for (long long p = pb; p < pe; ++p) {
      const double dm = m[p % channels], db = b[p % channels];
      for (int64_t i = p * hw, end = (p + 1) * hw; i < end; ++i) y[i] = saturate_round(double(x[i]) * dm + db, lo);
    }
  });
}

void qrescale(int64_t n, const float* x, float m, float* y) {
  const double dm = m;
  for (int64_t i = 0; i < n; ++i) y[i] = saturate_round(double(x[i]) * dm, -128.0);
}

}  // namespace faultbench::ops
