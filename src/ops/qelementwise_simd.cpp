// The int8 add's vector body (ops/qelementwise.h), compiled once per SIMD target
// (cmake/Simd.cmake); qelementwise.cpp splits the work and dispatches here. Each fp64 lane
// performs the scalar formula's operations on its element: two exact products, one rounded
// sum, the clamps (vmaxpd/vminpd equal std::max/min on the finite values codes are), then
// qrequant_rne's add and subtract of 1.5 x 2^52 and the conversion to fp32. (GCC keeps the
// scalar loop's clamps as branches under -ftrapping-math, hence the intrinsics.)
#include <cstdint>

#include "faultbench/ops/qconv.h"

#include "simd/begin_target.h"

namespace faultbench::ops::FAULTBENCH_SIMD_NS {

// GCC 12's AVX-512 conversion intrinsics start from _mm512_undefined_*(), which
// -Wmaybe-uninitialized reports falsely (as in qconv_simd.cpp).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
void qadd_span(int64_t n, const float* a, const float* b, double da, double db, double lo, float* y) {
  int64_t i = 0;
#if defined(FAULTBENCH_SIMD_TARGET_AVX512) || defined(FAULTBENCH_SIMD_TARGET_AVX2)
  constexpr double kMagic = 6755399441055744.0;  // qrequant_rne's
#endif
#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
  const __m512d vda = _mm512_set1_pd(da), vdb = _mm512_set1_pd(db), vlo = _mm512_set1_pd(lo),
                vhi = _mm512_set1_pd(127.0), magic = _mm512_set1_pd(kMagic);
  for (; i + 8 <= n; i += 8) {
    __m512d v = _mm512_add_pd(_mm512_mul_pd(_mm512_cvtps_pd(_mm256_loadu_ps(a + i)), vda),
                              _mm512_mul_pd(_mm512_cvtps_pd(_mm256_loadu_ps(b + i)), vdb));
    v = _mm512_min_pd(_mm512_max_pd(v, vlo), vhi);
    _mm256_storeu_ps(y + i, _mm512_cvtpd_ps(_mm512_sub_pd(_mm512_add_pd(v, magic), magic)));
  }
#elif defined(FAULTBENCH_SIMD_TARGET_AVX2)
  const __m256d vda = _mm256_set1_pd(da), vdb = _mm256_set1_pd(db), vlo = _mm256_set1_pd(lo),
                vhi = _mm256_set1_pd(127.0), magic = _mm256_set1_pd(kMagic);
  for (; i + 4 <= n; i += 4) {
    __m256d v = _mm256_add_pd(_mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(a + i)), vda),
                              _mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(b + i)), vdb));
    v = _mm256_min_pd(_mm256_max_pd(v, vlo), vhi);
    _mm_storeu_ps(y + i, _mm256_cvtpd_ps(_mm256_sub_pd(_mm256_add_pd(v, magic), magic)));
  }
#endif
  for (; i < n; ++i) y[i] = float(qrequant_rne(std::min(std::max(double(a[i]) * da + double(b[i]) * db, lo), 127.0)));
}
#pragma GCC diagnostic pop

}  // namespace faultbench::ops::FAULTBENCH_SIMD_NS

#include "simd/end_target.h"
