// concat, shortcut_a, flatten: exact data movement, reference and optimized (parallel) versions.
#include <cstdint>
#include <cstring>
#include <string>

#include "faultbench/ops/layout.h"
#include "faultbench/util/parallel.h"

namespace faultbench::ops {

namespace {
std::string str(int v) { return std::to_string(v); }

void concat_image(const ConcatShape& s, const std::vector<const float*>& xs, int n, float* y) {
  const int64_t plane = int64_t(s.h) * s.w;
  int64_t out_c = 0;
  for (int c : s.in_channels) out_c += c;
  float* dst = y + int64_t(n) * out_c * plane;
  for (size_t i = 0; i < xs.size(); ++i) {
    const int64_t count = int64_t(s.in_channels[i]) * plane;
    std::memcpy(dst, xs[i] + int64_t(n) * count, sizeof(float) * size_t(count));
    dst += count;
  }
}

void shortcut_image(const ShortcutAShape& s, const float* x, int n, float* y) {
  const int oh = s.out_h(), ow = s.out_w();
  const int64_t in_plane = int64_t(s.in_h) * s.in_w, out_plane = int64_t(oh) * ow;
  float* yn = y + int64_t(n) * s.out_c() * out_plane;
  std::memset(yn, 0, sizeof(float) * size_t(int64_t(s.pad_front) * out_plane));
  for (int c = 0; c < s.in_c; ++c) {
    const float* xp = x + (int64_t(n) * s.in_c + c) * in_plane;
    float* yp = yn + (int64_t(s.pad_front) + c) * out_plane;
    for (int i = 0; i < oh; ++i)
      for (int j = 0; j < ow; ++j) yp[int64_t(i) * ow + j] = xp[int64_t(2 * i) * s.in_w + 2 * j];
  }
  std::memset(yn + (int64_t(s.pad_front) + s.in_c) * out_plane, 0,
              sizeof(float) * size_t(int64_t(s.pad_back) * out_plane));
}
}  // namespace

void validate_concat(const ConcatShape& s) {
  if (s.batch < 0) shape_error("concat", "batch must be >= 0, got " + str(s.batch));
  if (s.h <= 0 || s.w <= 0) shape_error("concat", "height and width must be positive");
  if (s.in_channels.size() < 2)
    shape_error("concat", "needs at least 2 inputs, got " + std::to_string(s.in_channels.size()));
  for (size_t i = 0; i < s.in_channels.size(); ++i)
    if (s.in_channels[i] <= 0) shape_error("concat", "input " + std::to_string(i) + " has no channels");
}

void concat_reference(const ConcatShape& s, const std::vector<const float*>& xs, float* y) {
  validate_concat(s);
  if (xs.size() != s.in_channels.size()) shape_error("concat", "pointer count differs from the shape's input count");
  for (int n = 0; n < s.batch; ++n) concat_image(s, xs, n, y);
}

void concat_optimized(const ConcatShape& s, const std::vector<const float*>& xs, float* y, ThreadPool* pool) {
  validate_concat(s);
  if (xs.size() != s.in_channels.size()) shape_error("concat", "pointer count differs from the shape's input count");
  parallel_range(pool, s.batch, [&](long long b, long long e) {
    for (long long n = b; n < e; ++n) concat_image(s, xs, int(n), y);
  });
}

void validate_shortcut_a(const ShortcutAShape& s) {
  if (s.batch < 0) shape_error("shortcut_a", "batch must be >= 0, got " + str(s.batch));
  if (s.in_c <= 0 || s.in_h <= 0 || s.in_w <= 0)
    shape_error("shortcut_a", "input channels/height/width must be positive");
  if (s.pad_front < 0 || s.pad_back < 0) shape_error("shortcut_a", "channel padding must be >= 0");
}

void shortcut_a_reference(const ShortcutAShape& s, const float* x, float* y) {
  validate_shortcut_a(s);
  for (int n = 0; n < s.batch; ++n) shortcut_image(s, x, n, y);
}

void shortcut_a_optimized(const ShortcutAShape& s, const float* x, float* y, ThreadPool* pool) {
  validate_shortcut_a(s);
  parallel_range(pool, s.batch, [&](long long b, long long e) {
    for (long long n = b; n < e; ++n) shortcut_image(s, x, int(n), y);
  });
}

void flatten_reference(int64_t count, const float* x, float* y) {
  if (count < 0) shape_error("flatten", "element count must be >= 0");
  if (x != y && count > 0) std::memcpy(y, x, sizeof(float) * size_t(count));
}

}  // namespace faultbench::ops
