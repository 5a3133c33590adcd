// Pooling: shape rules, reference kernels and optimized (parallel over planes, interior
// windows without bounds checks) kernels. Both visit a window's cells in the same
// row-major order with the same operations.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "faultbench/ops/pool.h"
#include "faultbench/util/parallel.h"
#include "pool_simd.h"
#include "simd/dispatch.h"

namespace faultbench::ops {

// Vectors of windows, one per lane (pool_simd.cpp); false (nothing done) on the scalar
// target or when offsets overflow int32.
FAULTBENCH_SIMD_DECLARE(bool, window_means_kernel,
                        (const detail::WindowMeans& m, const float* x, float* y, ThreadPool* pool));

namespace {
std::string str(int v) { return std::to_string(v); }

void validate_common(const char* op, const Pool2dShape& s) {
  if (s.batch < 0) shape_error(op, "batch must be >= 0, got " + str(s.batch));
  if (s.channels <= 0 || s.in_h <= 0 || s.in_w <= 0)
    shape_error(
        op, "channels/height/width must be positive, got " + str(s.channels) + "x" + str(s.in_h) + "x" + str(s.in_w));
  if (s.kernel <= 0 || s.stride <= 0 || s.padding < 0)
    shape_error(op, "kernel and stride must be positive and padding >= 0");
  if (2 * s.padding > s.kernel)
    shape_error(op, "padding (" + str(s.padding) + ") must be at most half the kernel (" + str(s.kernel) + ")");
  if (s.in_h + 2 * s.padding < s.kernel || s.in_w + 2 * s.padding < s.kernel)
    shape_error(op, "kernel " + str(s.kernel) + " larger than the padded input");
  const int oh = pooled_size(s.in_h, s.kernel, s.stride, s.padding, s.ceil_mode);
  const int ow = pooled_size(s.in_w, s.kernel, s.stride, s.padding, s.ceil_mode);
  if (s.out_h != oh || s.out_w != ow)
    shape_error(op, "output size " + str(s.out_h) + "x" + str(s.out_w) + " differs from the pooled size " + str(oh) +
                        "x" + str(ow));
}

// The max of one window, PyTorch's rule: strictly greater, or NaN, replaces the current value.
inline float window_max(const float* plane, int w, int h0, int h1, int w0, int w1) {
  float m = -std::numeric_limits<float>::infinity();
  for (int ih = h0; ih < h1; ++ih)
    for (int iw = w0; iw < w1; ++iw) {
      const float v = plane[int64_t(ih) * w + iw];
      if (v > m || std::isnan(v)) m = v;
    }
  return m;
}

inline float window_sum(const float* plane, int w, int h0, int w0, int k) {
  float sum = 0.0f;
  for (int ih = h0; ih < h0 + k; ++ih)
    for (int iw = w0; iw < w0 + k; ++iw) sum += plane[int64_t(ih) * w + iw];
  return sum;
}

void max_plane(const Pool2dShape& s, const float* x, float* y) {
  for (int oh = 0; oh < s.out_h; ++oh) {
    const int hs = oh * s.stride - s.padding;
    const int h0 = std::max(hs, 0), h1 = std::min(hs + s.kernel, s.in_h);
    for (int ow = 0; ow < s.out_w; ++ow) {
      const int ws = ow * s.stride - s.padding;
      y[int64_t(oh) * s.out_w + ow] = window_max(x, s.in_w, h0, h1, std::max(ws, 0), std::min(ws + s.kernel, s.in_w));
    }
  }
}
}  // namespace

void validate_max_pool2d(const Pool2dShape& s) { validate_common("max_pool2d", s); }

void validate_avg_pool2d(const Pool2dShape& s) {
  if (s.padding != 0 || s.ceil_mode) shape_error("avg_pool2d", "only padding 0 and floor mode are supported");
  validate_common("avg_pool2d", s);
}

void max_pool2d_reference(const Pool2dShape& s, const float* x, float* y) {
  validate_max_pool2d(s);
  const int64_t in_plane = int64_t(s.in_h) * s.in_w, out_plane = int64_t(s.out_h) * s.out_w;
  for (int64_t nc = 0; nc < int64_t(s.batch) * s.channels; ++nc) {
    for (int oh = 0; oh < s.out_h; ++oh)
      for (int ow = 0; ow < s.out_w; ++ow) {
        float m = -std::numeric_limits<float>::infinity();
        for (int kh = 0; kh < s.kernel; ++kh)
          for (int kw = 0; kw < s.kernel; ++kw) {
            const int ih = oh * s.stride - s.padding + kh, iw = ow * s.stride - s.padding + kw;
            if (ih < 0 || ih >= s.in_h || iw < 0 || iw >= s.in_w) continue;  // padding never wins
            const float v = x[nc * in_plane + int64_t(ih) * s.in_w + iw];
            if (v > m || std::isnan(v)) m = v;
          }
        y[nc * out_plane + int64_t(oh) * s.out_w + ow] = m;
      }
  }
}

void max_pool2d_optimized(const Pool2dShape& s, const float* x, float* y, ThreadPool* pool) {
  validate_max_pool2d(s);
  const int64_t in_plane = int64_t(s.in_h) * s.in_w, out_plane = int64_t(s.out_h) * s.out_w;
  parallel_range(pool, int64_t(s.batch) * s.channels, [&](long long b, long long e) {
    for (long long nc = b; nc < e; ++nc) max_plane(s, x + nc * in_plane, y + nc * out_plane);
  });
}

void avg_pool2d_reference(const Pool2dShape& s, const float* x, float* y) {
  validate_avg_pool2d(s);
  const int64_t in_plane = int64_t(s.in_h) * s.in_w, out_plane = int64_t(s.out_h) * s.out_w;
  const float count = float(s.kernel * s.kernel);
  for (int64_t nc = 0; nc < int64_t(s.batch) * s.channels; ++nc)
    for (int oh = 0; oh < s.out_h; ++oh)
      for (int ow = 0; ow < s.out_w; ++ow) {
        float sum = 0.0f;
        for (int kh = 0; kh < s.kernel; ++kh)
          for (int kw = 0; kw < s.kernel; ++kw)
            sum += x[nc * in_plane + int64_t(oh * s.stride + kh) * s.in_w + ow * s.stride + kw];
        y[nc * out_plane + int64_t(oh) * s.out_w + ow] = sum / count;
      }
}

void avg_pool2d_optimized(const Pool2dShape& s, const float* x, float* y, ThreadPool* pool) {
  validate_avg_pool2d(s);
  const int64_t in_plane = int64_t(s.in_h) * s.in_w, out_plane = int64_t(s.out_h) * s.out_w;
  const float count = float(s.kernel * s.kernel);
  std::vector<int32_t> cells;
  for (int i = 0; i < s.kernel; ++i)
    for (int j = 0; j < s.kernel; ++j) cells.push_back(i * s.in_w + j);
  detail::WindowMeans m;
  m.outputs = int64_t(s.batch) * s.channels * out_plane;
  m.out_plane = out_plane;
  m.in_plane = in_plane;
  m.out_w = s.out_w;
  m.row_step = int64_t(s.stride) * s.in_w;
  m.col_step = s.stride;
  m.cells = cells.data();
  m.cell_count = int64_t(cells.size());
  m.span = 16 * in_plane;
  m.divisor = count;
  if (FAULTBENCH_SIMD_CALL(window_means_kernel)(m, x, y, pool)) return;
  parallel_range(pool, int64_t(s.batch) * s.channels, [&](long long b, long long e) {
    for (long long nc = b; nc < e; ++nc)
      for (int oh = 0; oh < s.out_h; ++oh)
        for (int ow = 0; ow < s.out_w; ++ow)
          y[nc * out_plane + int64_t(oh) * s.out_w + ow] =
              window_sum(x + nc * in_plane, s.in_w, oh * s.stride, ow * s.stride, s.kernel) / count;
  });
}

void validate_global_avg_pool(const GlobalPoolShape& s) {
  if (s.batch < 0) shape_error("global_avg_pool", "batch must be >= 0, got " + str(s.batch));
  if (s.channels <= 0 || s.h <= 0 || s.w <= 0)
    shape_error("global_avg_pool",
                "channels/height/width must be positive, got " + str(s.channels) + "x" + str(s.h) + "x" + str(s.w));
}

void global_avg_pool_reference(const GlobalPoolShape& s, const float* x, float* y) {
  validate_global_avg_pool(s);
  const int64_t plane = int64_t(s.h) * s.w;
  const float count = float(plane);
  for (int64_t nc = 0; nc < int64_t(s.batch) * s.channels; ++nc) {
    float sum = 0.0f;
    for (int64_t i = 0; i < plane; ++i) sum += x[nc * plane + i];
    y[nc] = sum / count;
  }
}

void global_avg_pool_optimized(const GlobalPoolShape& s, const float* x, float* y, ThreadPool* pool) {
  validate_global_avg_pool(s);
  const int64_t plane = int64_t(s.h) * s.w;
  const float count = float(plane);
  std::vector<int32_t> cells;
  for (int64_t i = 0; i < plane && plane <= std::numeric_limits<int32_t>::max(); ++i) cells.push_back(int32_t(i));
  detail::WindowMeans m;  // one window per plane: base(o) = o * plane
  m.outputs = int64_t(s.batch) * s.channels;
  m.in_plane = plane;
  m.cells = cells.data();
  m.cell_count = int64_t(cells.size());
  m.span = 17 * plane;
  m.divisor = count;
  if (FAULTBENCH_SIMD_CALL(window_means_kernel)(m, x, y, pool)) return;
  parallel_range(pool, int64_t(s.batch) * s.channels, [&](long long b, long long e) {
    for (long long nc = b; nc < e; ++nc) {
      float sum = 0.0f;  // one serial chain per plane: the sum is never reassociated
      const float* p = x + nc * plane;
      for (int64_t i = 0; i < plane; ++i) sum += p[i];
      y[nc] = sum / count;
    }
  });
}

}  // namespace faultbench::ops
