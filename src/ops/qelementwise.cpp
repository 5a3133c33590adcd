// The int8 operators besides conv/linear (faultbench/ops/qelementwise.h).
#include "faultbench/ops/qelementwise.h"

#include "faultbench/ops/qconv.h"

#include <algorithm>
#include <cmath>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace faultbench::ops {

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
  const double lo = relu ? 0.0 : -128.0, da = ma, db = mb;
  parallel_range(pool, (n + kGrain - 1) / kGrain, [&](long long bb, long long e) {
    int64_t i = bb * kGrain;
    const int64_t end = std::min<int64_t>(n, e * kGrain);
#if defined(__SSE2__)
    // The same operations two lanes at a time (GCC keeps the scalar loop's clamps as
    // branches under -ftrapping-math): exact products, one rounded sum, max/min (equal to
    // std::max/min on the finite values codes are), then qrequant_rne's add and subtract.
    const __m128d vda = _mm_set1_pd(da), vdb = _mm_set1_pd(db), vlo = _mm_set1_pd(lo), vhi = _mm_set1_pd(127.0);
    const __m128d magic = _mm_set1_pd(6755399441055744.0);
    auto half = [&](__m128 x, __m128 z) {
      __m128d v = _mm_add_pd(_mm_mul_pd(_mm_cvtps_pd(x), vda), _mm_mul_pd(_mm_cvtps_pd(z), vdb));
      v = _mm_min_pd(_mm_max_pd(v, vlo), vhi);
      return _mm_cvtpd_ps(_mm_sub_pd(_mm_add_pd(v, magic), magic));
    };
    for (; i + 4 <= end; i += 4) {
      const __m128 x = _mm_loadu_ps(a + i), z = _mm_loadu_ps(b + i);
      const __m128 lo2 = half(x, z), hi2 = half(_mm_movehl_ps(x, x), _mm_movehl_ps(z, z));
      _mm_storeu_ps(y + i, _mm_movelh_ps(lo2, hi2));
    }
#endif
    for (; i < end; ++i) y[i] = saturate_round(double(a[i]) * da + double(b[i]) * db, lo);
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

}  // namespace faultbench::ops
