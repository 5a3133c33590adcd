// Private to src/ops: the vectorized window means of avg_pool2d and global_avg_pool
// (pool_simd.cpp, one build per SIMD target; pool.cpp dispatches).
#pragma once
#include <cstdint>

namespace faultbench {
class ThreadPool;
}

namespace faultbench::ops::detail {

// `outputs` windows over x; window o starts at x + base(o), with r = o % out_plane,
//   base(o) = o / out_plane * in_plane + r / out_w * row_step + r % out_w * col_step,
// and its cells are at the offsets cells[0, cell_count) from there. y[o] = (the cells
// summed in that order from +0.0f) / divisor: the scalar kernels' operations exactly.
struct WindowMeans {
  int64_t outputs = 0, out_plane = 1, in_plane = 0, out_w = 1, row_step = 0, col_step = 0;
  const int32_t* cells = nullptr;
  int64_t cell_count = 0;
  int64_t span = 0;  // floats past x + base(o) any window of a vector may reach
  float divisor = 1.0f;

  int64_t base(int64_t o) const {
    const int64_t r = o % out_plane;
    return o / out_plane * in_plane + r / out_w * row_step + r % out_w * col_step;
  }
};

}  // namespace faultbench::ops::detail
