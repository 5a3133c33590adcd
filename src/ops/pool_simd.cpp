// The window means of avg_pool2d and global_avg_pool, one window per lane, compiled once
// per SIMD target (cmake/Simd.cmake; pool_simd.h says what is computed). The serial
// chain of one window (64 adds for ResNet20's 8x8 pool) no longer waits on the previous
// window's.
#include <algorithm>
#include <cstdint>
#include <limits>

#include "faultbench/ops/common.h"
#include "pool_simd.h"

#include "simd/begin_target.h"

namespace faultbench::ops::FAULTBENCH_SIMD_NS {

bool window_means_kernel(const detail::WindowMeans& m, const float* x, float* y, ThreadPool* pool) {
  constexpr int L = simd::kLanes;
  if (L == 1 || m.span > std::numeric_limits<int32_t>::max() / 32) return false;
  const int64_t vectors = (m.outputs + L - 1) / L;
  parallel_range(pool, vectors, [&](long long b, long long e) {
    for (long long v = b; v < e; ++v) {
      const int64_t o0 = v * L;
      const int count = int(std::min<int64_t>(L, m.outputs - o0));
      const int64_t first = m.base(o0);
      // Lanes past the last window repeat it (in bounds; never stored).
      alignas(64) int32_t rel[L];
      for (int i = 0; i < L; ++i) rel[i] = int32_t(m.base(o0 + std::min(i, count - 1)) - first);
      const simd::vi idx = simd::load_i(rel);
      const float* at = x + first;
      simd::vf sum = simd::zero();
      for (int64_t j = 0; j < m.cell_count; ++j)
        sum = simd::add(sum, simd::gather(at, simd::add_i(idx, simd::set1_i(m.cells[j]))));
      simd::store_first(y + o0, simd::div(sum, simd::set1(m.divisor)), count);
    }
  });
  return true;
}

}  // namespace faultbench::ops::FAULTBENCH_SIMD_NS

#include "simd/end_target.h"
