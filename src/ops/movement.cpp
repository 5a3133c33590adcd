// pad, slice, resize, transpose (ops/movement.h): exact copies, images x channels split
// over the pool in the optimized variant (the same copies either way).
#include "faultbench/ops/movement.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace faultbench::ops {

namespace {
std::string str(int v) { return std::to_string(v); }

void check_input(const char* op, int batch, int c, int h, int w) {
  if (batch < 0) shape_error(op, "batch must be >= 0, got " + str(batch));
  if (c <= 0 || h <= 0 || w <= 0)
    shape_error(op,
                "input channels/height/width must be positive, got [" + str(c) + ", " + str(h) + ", " + str(w) + "]");
}

// Runs fn(n, c) for every (image, output channel) in [0, batch * channels).
template <class Fn>
void over_planes(ThreadPool* pool, int batch, int channels, Fn fn) {
  parallel_range(pool, int64_t(batch) * channels, [&](long long b, long long e) {
    for (long long p = b; p < e; ++p) fn(int(p / channels), int(p % channels));
  });
}
}  // namespace

// ---- pad

void validate_pad(const PadShape& s) {
  check_input("pad", s.batch, s.c, s.h, s.w);
  if (s.c0 < 0 || s.c1 < 0 || s.h0 < 0 || s.h1 < 0 || s.w0 < 0 || s.w1 < 0)
    shape_error("pad", "pads must be >= 0 (cropping is a slice), got c " + str(s.c0) + "/" + str(s.c1) + ", h " +
                           str(s.h0) + "/" + str(s.h1) + ", w " + str(s.w0) + "/" + str(s.w1));
  const int64_t limit = int64_t(1) << 24;  // keeps every output size an int, and sane
  if (int64_t(s.c) + s.c0 + s.c1 > limit || int64_t(s.h) + s.h0 + s.h1 > limit || int64_t(s.w) + s.w0 + s.w1 > limit)
    shape_error("pad", "padded size exceeds 2^24 along an axis");
}

namespace {
void pad_plane(const PadShape& s, const float* x, float* y, int n, int oc) {
  const int oh = s.out_h(), ow = s.out_w();
  float* yp = y + (int64_t(n) * s.out_c() + oc) * oh * ow;
  const int c = oc - s.c0;
  if (c < 0 || c >= s.c) {
    std::fill(yp, yp + int64_t(oh) * ow, s.value);
    return;
  }
  const float* xp = x + (int64_t(n) * s.c + c) * s.h * s.w;
  for (int i = 0; i < oh; ++i) {
    float* yr = yp + int64_t(i) * ow;
    const int hi = i - s.h0;
    if (hi < 0 || hi >= s.h) {
      std::fill(yr, yr + ow, s.value);
      continue;
    }
    std::fill(yr, yr + s.w0, s.value);
    std::memcpy(yr + s.w0, xp + int64_t(hi) * s.w, sizeof(float) * size_t(s.w));
    std::fill(yr + s.w0 + s.w, yr + ow, s.value);
  }
}
}  // namespace

void pad_reference(const PadShape& s, const float* x, float* y) {
  validate_pad(s);
  for (int n = 0; n < s.batch; ++n)
    for (int c = 0; c < s.out_c(); ++c) pad_plane(s, x, y, n, c);
}

void pad_optimized(const PadShape& s, const float* x, float* y, ThreadPool* pool) {
  validate_pad(s);
  over_planes(pool, s.batch, s.out_c(), [&](int n, int c) { pad_plane(s, x, y, n, c); });
}

// ---- slice

void validate_slice(const SliceShape& s) {
  check_input("slice", s.batch, s.c, s.h, s.w);
  const char* names[3] = {"c", "h", "w"};
  const SliceRange* r[3] = {&s.rc, &s.rh, &s.rw};
  const int sizes[3] = {s.c, s.h, s.w};
  for (int k = 0; k < 3; ++k)
    if (r[k]->step < 1 || r[k]->start < 0 || r[k]->start >= r[k]->end || r[k]->end > sizes[k])
      shape_error("slice", std::string("axis ") + names[k] + ": start " + str(r[k]->start) + ", end " + str(r[k]->end) +
                               ", step " + str(r[k]->step) + " must satisfy 0 <= start < end <= " + str(sizes[k]) +
                               " and step >= 1");
}

namespace {
void slice_plane(const SliceShape& s, const float* x, float* y, int n, int oc) {
  const int oh = s.rh.size(), ow = s.rw.size();
  const float* xp = x + (int64_t(n) * s.c + s.rc.start + int64_t(oc) * s.rc.step) * s.h * s.w;
  float* yp = y + (int64_t(n) * s.rc.size() + oc) * oh * ow;
  for (int i = 0; i < oh; ++i) {
    const float* xr = xp + (int64_t(s.rh.start) + int64_t(i) * s.rh.step) * s.w + s.rw.start;
    float* yr = yp + int64_t(i) * ow;
    if (s.rw.step == 1)
      std::memcpy(yr, xr, sizeof(float) * size_t(ow));
    else
      for (int j = 0; j < ow; ++j) yr[j] = xr[int64_t(j) * s.rw.step];
  }
}
}  // namespace

void slice_reference(const SliceShape& s, const float* x, float* y) {
  validate_slice(s);
  for (int n = 0; n < s.batch; ++n)
    for (int c = 0; c < s.rc.size(); ++c) slice_plane(s, x, y, n, c);
}

void slice_optimized(const SliceShape& s, const float* x, float* y, ThreadPool* pool) {
  validate_slice(s);
  over_planes(pool, s.batch, s.rc.size(), [&](int n, int c) { slice_plane(s, x, y, n, c); });
}

// ---- resize

void validate_resize(const ResizeShape& s) {
  check_input("resize", s.batch, s.c, s.h, s.w);
  if (s.scale_h < 1 || s.scale_w < 1 || s.scale_h > 1024 || s.scale_w > 1024)
    shape_error("resize", "scales must be integers in [1, 1024] (nearest upsampling), got " + str(s.scale_h) + " x " +
                              str(s.scale_w));
  if (int64_t(s.h) * s.scale_h > (int64_t(1) << 24) || int64_t(s.w) * s.scale_w > (int64_t(1) << 24))
    shape_error("resize", "output size exceeds 2^24 along an axis");
}

namespace {
void resize_plane(const ResizeShape& s, const float* x, float* y, int n, int c) {
  const int oh = s.h * s.scale_h, ow = s.w * s.scale_w;
  const float* xp = x + (int64_t(n) * s.c + c) * s.h * s.w;
  float* yp = y + (int64_t(n) * s.c + c) * oh * ow;
  for (int i = 0; i < oh; ++i) {
    const float* xr = xp + int64_t(i / s.scale_h) * s.w;
    float* yr = yp + int64_t(i) * ow;
    for (int j = 0; j < ow; ++j) yr[j] = xr[j / s.scale_w];
  }
}
}  // namespace

void resize_reference(const ResizeShape& s, const float* x, float* y) {
  validate_resize(s);
  for (int n = 0; n < s.batch; ++n)
    for (int c = 0; c < s.c; ++c) resize_plane(s, x, y, n, c);
}

void resize_optimized(const ResizeShape& s, const float* x, float* y, ThreadPool* pool) {
  validate_resize(s);
  over_planes(pool, s.batch, s.c, [&](int n, int c) { resize_plane(s, x, y, n, c); });
}

// ---- transpose

void validate_transpose(const TransposeShape& s) {
  check_input("transpose", s.batch, s.c, s.h, s.w);
  std::array<int, 3> sorted = s.perm;
  std::sort(sorted.begin(), sorted.end());
  if (sorted != std::array<int, 3>{0, 1, 2})
    shape_error("transpose", "perm (" + str(s.perm[0]) + ", " + str(s.perm[1]) + ", " + str(s.perm[2]) +
                                 ") is not a permutation of the (c, h, w) axes (0, 1, 2)");
}

namespace {
void transpose_plane(const TransposeShape& s, const float* x, float* y, int n, int oc) {
  const std::array<int, 3> o = s.out();
  // Input strides of (c, h, w), picked per output axis.
  const std::array<int64_t, 3> in_stride{int64_t(s.h) * s.w, s.w, 1};
  const int64_t st0 = in_stride[size_t(s.perm[0])], st1 = in_stride[size_t(s.perm[1])],
                st2 = in_stride[size_t(s.perm[2])];
  const float* xn = x + int64_t(n) * s.c * s.h * s.w + oc * st0;
  float* yp = y + (int64_t(n) * o[0] + oc) * o[1] * o[2];
  for (int i = 0; i < o[1]; ++i)
    for (int j = 0; j < o[2]; ++j) yp[int64_t(i) * o[2] + j] = xn[i * st1 + j * st2];
}
}  // namespace

void transpose_reference(const TransposeShape& s, const float* x, float* y) {
  validate_transpose(s);
  for (int n = 0; n < s.batch; ++n)
    for (int c = 0; c < s.out()[0]; ++c) transpose_plane(s, x, y, n, c);
}

void transpose_optimized(const TransposeShape& s, const float* x, float* y, ThreadPool* pool) {
  validate_transpose(s);
  over_planes(pool, s.batch, s.out()[0], [&](int n, int c) { transpose_plane(s, x, y, n, c); });
}

}  // namespace faultbench::ops
