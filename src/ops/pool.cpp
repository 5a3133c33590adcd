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
// The max of every window, one per lane (pool_simd.cpp); false on the scalar target or when
// a vector's offsets overflow int32.
FAULTBENCH_SIMD_DECLARE(bool, max_windows_kernel, (const Pool2dShape& s, const float* x, float* y, ThreadPool* pool));

namespace {
std::string str(int v) { return std::to_string(v); }

void validate_common(const char* op, const Pool2dShape& s) {
  if (s.batch < 0) shape_error(op, "batch must be >= 0, got " + str(s.batch));
  if (s.channels <= 0 || s.in_h <= 0 || s.in_w <= 0)
    shape_error(
        op, "channels/height/width must be positive, got " + str(s.channels) + "x" + str(s.in_h) + "x" + str(s.in_w));
  // One set of rules for square and general windows: ONNX Runtime's, pads smaller than
  // the kernel (PyTorch wants at most half the kernel; ONNX models may have more).
  const Window2d w = s.window();
  if (w.kernel_h <= 0 || w.kernel_w <= 0 || w.stride_h <= 0 || w.stride_w <= 0 || w.dilation_h <= 0 ||
      w.dilation_w <= 0 || w.pad_top < 0 || w.pad_left < 0 || w.pad_bottom < 0 || w.pad_right < 0)
    shape_error(op, "kernel, stride and dilation must be positive and pads >= 0");
  // Every window then holds at least one input cell (without dilation; a dilated max
  // window can still fall wholly in the padding: -inf).
  if (w.pad_top >= w.kernel_h || w.pad_bottom >= w.kernel_h || w.pad_left >= w.kernel_w || w.pad_right >= w.kernel_w)
    shape_error(op, "pads (top, left, bottom, right) (" + str(w.pad_top) + ", " + str(w.pad_left) + ", " +
                        str(w.pad_bottom) + ", " + str(w.pad_right) + ") must be smaller than the kernel " +
                        str(w.kernel_h) + "x" + str(w.kernel_w));
  const int oh = window_output_size(s.in_h, w.kernel_h, w.stride_h, w.dilation_h, w.pad_top, w.pad_bottom, s.ceil_mode);
  const int ow = window_output_size(s.in_w, w.kernel_w, w.stride_w, w.dilation_w, w.pad_left, w.pad_right, s.ceil_mode);
  if (oh <= 0 || ow <= 0)
    shape_error(op, "window " + str(w.extent_h()) + "x" + str(w.extent_w()) + " larger than the padded input " +
                        str(s.in_h) + "x" + str(s.in_w));
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

inline float window_sum(const float* plane, int w, int h0, int w0, int kh, int kw) {
  float sum = 0.0f;
  for (int ih = h0; ih < h0 + kh; ++ih)
    for (int iw = w0; iw < w0 + kw; ++iw) sum += plane[int64_t(ih) * w + iw];
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
// Max of every window of one plane, any window: the in-bounds cells in row-major order.
void max_plane_window(const Pool2dShape& s, const Window2d& w, const float* x, float* y) {
  for (int oh = 0; oh < s.out_h; ++oh)
    for (int ow = 0; ow < s.out_w; ++ow) {
      float m = -std::numeric_limits<float>::infinity();
      for (int kh = 0; kh < w.kernel_h; ++kh) {
        const int ih = oh * w.stride_h - w.pad_top + kh * w.dilation_h;
        if (ih < 0 || ih >= s.in_h) continue;
        for (int kw = 0; kw < w.kernel_w; ++kw) {
          const int iw = ow * w.stride_w - w.pad_left + kw * w.dilation_w;
          if (iw < 0 || iw >= s.in_w) continue;  // padding never wins
          const float v = x[int64_t(ih) * s.in_w + iw];
          if (v > m || std::isnan(v)) m = v;
        }
      }
      y[int64_t(oh) * s.out_w + ow] = m;
    }
}

// Means of every window of one plane, PyTorch's avg_pool2d (and ONNX AveragePool): the
// window [start, start + kernel) is cut to the padded input [-pad_begin, in + pad_end)
// (only a ceil-mode window reaches past it), that many cells are the divisor with
// count_include_pad, else only those inside the input; the inside cells are summed
// row-major from 0.0f.
void avg_plane_window(const Pool2dShape& s, const Window2d& w, const float* x, float* y) {
  for (int oh = 0; oh < s.out_h; ++oh) {
    int h0 = oh * w.stride_h - w.pad_top, h1 = std::min(h0 + w.kernel_h, s.in_h + w.pad_bottom);
    const int rows_padded = h1 - h0;
    h0 = std::max(h0, 0), h1 = std::min(h1, s.in_h);
    for (int ow = 0; ow < s.out_w; ++ow) {
      int w0 = ow * w.stride_w - w.pad_left, w1 = std::min(w0 + w.kernel_w, s.in_w + w.pad_right);
      const int cols_padded = w1 - w0;
      w0 = std::max(w0, 0), w1 = std::min(w1, s.in_w);
      float sum = 0.0f;
      for (int ih = h0; ih < h1; ++ih)
        for (int iw = w0; iw < w1; ++iw) sum += x[int64_t(ih) * s.in_w + iw];
      const int count = s.count_include_pad ? rows_padded * cols_padded : (h1 - h0) * (w1 - w0);
      y[int64_t(oh) * s.out_w + ow] = sum / float(count);
    }
  }
}

// The windows of an average pool are all inside the input (no padding, and no ceil-mode
// window past the end): then every divisor is kernel_h * kernel_w and the vectorized
// window means apply.
bool avg_windows_inside(const Pool2dShape& s, const Window2d& w) {
  return w.pad_top == 0 && w.pad_left == 0 && w.pad_bottom == 0 && w.pad_right == 0 &&
         int64_t(s.out_h - 1) * w.stride_h + w.kernel_h <= s.in_h &&
         int64_t(s.out_w - 1) * w.stride_w + w.kernel_w <= s.in_w;
}
}  // namespace

Pool2dShape pool2d_shape(int batch, int channels, int in_h, int in_w, int out_h, int out_w, const Window2d& w,
                         bool ceil_mode, bool count_include_pad) {
  Pool2dShape s{batch, channels, in_h, in_w, out_h, out_w, w.kernel_h, w.stride_h, w.pad_top, ceil_mode};
  s.count_include_pad = count_include_pad;
  if (!w.is_square()) s.general = w;
  return s;
}

void validate_max_pool2d(const Pool2dShape& s) { validate_common("max_pool2d", s); }

void validate_avg_pool2d(const Pool2dShape& s) {
  if (s.general && (s.general->dilation_h != 1 || s.general->dilation_w != 1))
    shape_error("avg_pool2d", "dilation must be 1");
  validate_common("avg_pool2d", s);
}

void max_pool2d_reference(const Pool2dShape& s, const float* x, float* y) {
  validate_max_pool2d(s);
  const Window2d w = s.window();
  const int64_t in_plane = int64_t(s.in_h) * s.in_w, out_plane = int64_t(s.out_h) * s.out_w;
  for (int64_t nc = 0; nc < int64_t(s.batch) * s.channels; ++nc) {
    for (int oh = 0; oh < s.out_h; ++oh)
      for (int ow = 0; ow < s.out_w; ++ow) {
        float m = -std::numeric_limits<float>::infinity();
        for (int kh = 0; kh < w.kernel_h; ++kh)
          for (int kw = 0; kw < w.kernel_w; ++kw) {
            const int ih = oh * w.stride_h - w.pad_top + kh * w.dilation_h;
            const int iw = ow * w.stride_w - w.pad_left + kw * w.dilation_w;
            if (ih < 0 || ih >= s.in_h || iw < 0 || iw >= s.in_w) continue;  // padding never wins
            const float v = x[nc * in_plane + int64_t(ih) * s.in_w + iw];
            if (v > m || std::isnan(v)) m = v;
          }
        y[nc * out_plane + int64_t(oh) * s.out_w + ow] = m;
      }
  }
}

MaxPoolPath max_pool2d_optimized(const Pool2dShape& s, const float* x, float* y, ThreadPool* pool) {
  validate_max_pool2d(s);
  if (FAULTBENCH_SIMD_CALL(max_windows_kernel)(s, x, y, pool)) return MaxPoolPath::Vector;
  const int64_t in_plane = int64_t(s.in_h) * s.in_w, out_plane = int64_t(s.out_h) * s.out_w;
  parallel_range(pool, int64_t(s.batch) * s.channels, [&](long long b, long long e) {
    for (long long nc = b; nc < e; ++nc)
      if (s.general)
        max_plane_window(s, *s.general, x + nc * in_plane, y + nc * out_plane);
      else
        max_plane(s, x + nc * in_plane, y + nc * out_plane);
  });
  return MaxPoolPath::Scalar;
}

void avg_pool2d_reference(const Pool2dShape& s, const float* x, float* y) {
  validate_avg_pool2d(s);
  const Window2d w = s.window();
  const int64_t in_plane = int64_t(s.in_h) * s.in_w, out_plane = int64_t(s.out_h) * s.out_w;
  for (int64_t nc = 0; nc < int64_t(s.batch) * s.channels; ++nc)
    for (int oh = 0; oh < s.out_h; ++oh)
      for (int ow = 0; ow < s.out_w; ++ow) {
        // PyTorch's divisor (avg_plane_window): cells of the window inside the padded
        // input, or inside the input only.
        const int hs = oh * w.stride_h - w.pad_top, ws = ow * w.stride_w - w.pad_left;
        const int hp = std::min(hs + w.kernel_h, s.in_h + w.pad_bottom) - hs;
        const int wp = std::min(ws + w.kernel_w, s.in_w + w.pad_right) - ws;
        float sum = 0.0f;
        int inside = 0;
        for (int kh = 0; kh < w.kernel_h; ++kh)
          for (int kw = 0; kw < w.kernel_w; ++kw) {
            const int ih = hs + kh, iw = ws + kw;
            if (ih < 0 || ih >= s.in_h || iw < 0 || iw >= s.in_w) continue;
            sum += x[nc * in_plane + int64_t(ih) * s.in_w + iw];
            ++inside;
          }
        y[nc * out_plane + int64_t(oh) * s.out_w + ow] = sum / float(s.count_include_pad ? hp * wp : inside);
      }
}

void avg_pool2d_optimized(const Pool2dShape& s, const float* x, float* y, ThreadPool* pool) {
  validate_avg_pool2d(s);
  const Window2d w = s.window();
  const int64_t in_plane = int64_t(s.in_h) * s.in_w, out_plane = int64_t(s.out_h) * s.out_w;
  if (!avg_windows_inside(s, w)) {
    parallel_range(pool, int64_t(s.batch) * s.channels, [&](long long b, long long e) {
      for (long long nc = b; nc < e; ++nc) avg_plane_window(s, w, x + nc * in_plane, y + nc * out_plane);
    });
    return;
  }
  const float count = float(w.kernel_h * w.kernel_w);
  std::vector<int32_t> cells;
  for (int i = 0; i < w.kernel_h; ++i)
    for (int j = 0; j < w.kernel_w; ++j) cells.push_back(i * s.in_w + j);
  detail::WindowMeans m;
  m.outputs = int64_t(s.batch) * s.channels * out_plane;
  m.out_plane = out_plane;
  m.in_plane = in_plane;
  m.out_w = s.out_w;
  m.row_step = int64_t(w.stride_h) * s.in_w;
  m.col_step = w.stride_w;
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
              window_sum(x + nc * in_plane, s.in_w, oh * w.stride_h, ow * w.stride_w, w.kernel_h, w.kernel_w) / count;
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

void validate_global_max_pool(const GlobalPoolShape& s) {
  if (s.batch < 0) shape_error("global_max_pool", "batch must be >= 0, got " + str(s.batch));
  if (s.channels <= 0 || s.h <= 0 || s.w <= 0)
    shape_error("global_max_pool",
                "channels/height/width must be positive, got " + str(s.channels) + "x" + str(s.h) + "x" + str(s.w));
}

void global_max_pool_reference(const GlobalPoolShape& s, const float* x, float* y) {
  validate_global_max_pool(s);
  const int64_t plane = int64_t(s.h) * s.w;
  for (int64_t nc = 0; nc < int64_t(s.batch) * s.channels; ++nc) {
    float m = -std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < plane; ++i) {
      const float v = x[nc * plane + i];
      if (v > m || std::isnan(v)) m = v;
    }
    y[nc] = m;
  }
}

void global_max_pool_optimized(const GlobalPoolShape& s, const float* x, float* y, ThreadPool* pool) {
  validate_global_max_pool(s);
  const int64_t plane = int64_t(s.h) * s.w;
  parallel_range(pool, int64_t(s.batch) * s.channels, [&](long long b, long long e) {
    for (long long nc = b; nc < e; ++nc) {
      float m = -std::numeric_limits<float>::infinity();
      const float* p = x + nc * plane;
      for (int64_t i = 0; i < plane; ++i)
        if (p[i] > m || std::isnan(p[i])) m = p[i];
      y[nc] = m;
    }
  });
}

}  // namespace faultbench::ops
