// The window means of avg_pool2d and global_avg_pool, and the window maxima of max_pool2d,
// one window per lane, compiled once per SIMD target (cmake/Simd.cmake; pool_simd.h says
// what the means compute). The serial chain of one window (64 adds for ResNet20's 8x8 pool)
// no longer waits on the previous window's.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "faultbench/ops/common.h"
#include "faultbench/ops/pool.h"
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

// max_pool2d (pool.h's rule), one output per lane: each lane visits its window's cells in
// the scalar loops' row-major order with their step (max_step), so every lane's bits are
// theirs, NaN payloads and the sign of a zero included. The scalar loops skip the cells
// outside the input; here each plane is copied into a frame of -inf, and a -inf cell never
// replaces anything (not greater than any value, not NaN): the same as skipping it. (The
// scalar loops took 60 % of a GoogLeNet campaign: a 3x3 max pool in every inception block.)
namespace {

constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

// One vector of outputs: lane l's window starts at at + (Gather ? idx[l] : l).
struct MaxVector {
  const float* at;
  const int32_t* idx;  // Gather
  float* out;
  int n;  // lanes stored
};

// U vectors at once: U independent chains of max_step (a chain of one waits on each
// compare), each lane's cells in its own order as before.
template <int U, bool Gather>
void max_vectors(const MaxVector* v, const Window2d& w, int64_t cols) {
  simd::vf m[U];
  simd::vi idx[U];
  for (int u = 0; u < U; ++u) {
    m[u] = simd::set1(kMinusInf);
    idx[u] = Gather ? simd::load_i(v[u].idx) : simd::set1_i(0);
  }
  for (int kh = 0; kh < w.kernel_h; ++kh)
    for (int kw = 0; kw < w.kernel_w; ++kw) {
      const int64_t cell = int64_t(kh) * w.dilation_h * cols + int64_t(kw) * w.dilation_w;
      for (int u = 0; u < U; ++u)
        m[u] = simd::max_step(m[u], Gather ? simd::gather(v[u].at + cell, idx[u]) : simd::load(v[u].at + cell));
    }
  for (int u = 0; u < U; ++u)
    if (v[u].n == simd::kLanes)
      simd::store(v[u].out, m[u]);
    else
      simd::store_first(v[u].out, m[u], v[u].n);
}

}  // namespace

bool max_windows_kernel(const Pool2dShape& s, const float* x, float* y, ThreadPool* pool) {
  constexpr int L = simd::kLanes;
  if (L == 1) return false;
  const Window2d w = s.window();
  const int64_t ext_h = int64_t(w.kernel_h - 1) * w.dilation_h + 1, ext_w = int64_t(w.kernel_w - 1) * w.dilation_w + 1;
  // Rows of whole vectors (stride 1, at least a vector per row) load; anything else gathers
  // the plane's outputs in order, L at a time, the spare lanes of the last vector repeating
  // its last window (never stored).
  const bool rows_load = w.stride_w == 1 && s.out_w >= L;
  // The frame holds every window (a ceil-mode one may reach past the padding); a last,
  // partial vector of a row loads up to L - 1 cells further.
  const int64_t rows = std::max<int64_t>(w.pad_top + s.in_h, int64_t(s.out_h - 1) * w.stride_h + ext_h);
  const int64_t cols =
      std::max<int64_t>(w.pad_left + s.in_w, int64_t(s.out_w - 1) * w.stride_w + ext_w) + (rows_load ? L : 0);
  if (rows * cols > std::numeric_limits<int32_t>::max()) return false;
  const int64_t in_plane = int64_t(s.in_h) * s.in_w, out_plane = int64_t(s.out_h) * s.out_w;
  std::vector<int32_t> idx;  // gathers: each output's window start in the frame
  if (!rows_load) {
    idx.resize(size_t((out_plane + L - 1) / L * L));
    for (size_t o = 0; o < idx.size(); ++o) {
      const int64_t p = std::min<int64_t>(int64_t(o), out_plane - 1);
      idx[o] = int32_t(p / s.out_w * w.stride_h * cols + p % s.out_w * w.stride_w);
    }
  }
  parallel_range(pool, int64_t(s.batch) * s.channels, [&](long long b, long long e) {
    std::vector<float> frame(size_t(rows * cols), kMinusInf);  // only the inside is rewritten
    std::vector<MaxVector> vectors;
    for (long long nc = b; nc < e; ++nc) {
      for (int ih = 0; ih < s.in_h; ++ih)
        std::memcpy(frame.data() + (w.pad_top + ih) * cols + w.pad_left, x + nc * in_plane + int64_t(ih) * s.in_w,
                    size_t(s.in_w) * sizeof(float));
      float* out = y + nc * out_plane;
      vectors.clear();
      if (rows_load) {
        for (int oh = 0; oh < s.out_h; ++oh)
          for (int ow = 0; ow < s.out_w; ow += L)
            vectors.push_back({frame.data() + int64_t(oh) * w.stride_h * cols + ow, nullptr,
                               out + int64_t(oh) * s.out_w + ow, std::min(L, s.out_w - ow)});
      } else {
        for (int64_t o = 0; o < out_plane; o += L)
          vectors.push_back({frame.data(), idx.data() + o, out + o, int(std::min<int64_t>(L, out_plane - o))});
      }
      size_t i = 0;
      if (rows_load) {
        for (; i + 4 <= vectors.size(); i += 4) max_vectors<4, false>(vectors.data() + i, w, cols);
        for (; i < vectors.size(); ++i) max_vectors<1, false>(vectors.data() + i, w, cols);
      } else {
        for (; i + 4 <= vectors.size(); i += 4) max_vectors<4, true>(vectors.data() + i, w, cols);
        for (; i < vectors.size(); ++i) max_vectors<1, true>(vectors.data() + i, w, cols);
      }
    }
  });
  return true;
}

}  // namespace faultbench::ops::FAULTBENCH_SIMD_NS

#include "simd/end_target.h"
