// conv2d: stride-phase planes of the zero-padded input, shared by the GEMM, channel-major
// and zero-skipping paths (internal.h: build_phases, PhaseScratch).
#include <array>
#include <cstdint>
#include <cstring>
#include "faultbench/ops/conv2d.h"
#include "faultbench/util/parallel.h"
#include "layout.h"

#include "ops/simd/begin_target.h"
#include "internal.h"

namespace faultbench::ops::FAULTBENCH_SIMD_NS::detail {

PhaseScratch& phase_scratch() {
  thread_local PhaseScratch scratch;  // run_node may be called from several threads at once
  return scratch;
}

namespace {
// Copies the input's values into their places in the phase planes (the rest untouched).
void copy_into_phases(const Conv2dShape& s, const Conv2dLayout& pk, const float* xg, float* dst) {
  const Window2d w = s.window();
  const int sh = w.stride_h, sw = w.stride_w, pt = w.pad_top, pl = w.pad_left, cin_g = s.in_c / s.groups;
  for (int ci = 0; ci < cin_g; ++ci)
    for (int ih = 0; ih < s.in_h; ++ih) {
      const float* row = xg + (int64_t(ci) * s.in_h + ih) * s.in_w;
      const int pr = ih + pt;
      if (sh == 1 && sw == 1) {
        std::memcpy(dst + (int64_t(ci) * pk.hq + pr) * pk.wq + pl, row, sizeof(float) * size_t(s.in_w));
        continue;
      }
      const int a = pr % sh, i = pr / sh;
      for (int b = 0; b < sw; ++b) {
        float* d = dst + ((int64_t(a * sw + b) * cin_g + ci) * pk.hq + i) * pk.wq;
        const int iw0 = ((b - pl) % sw + sw) % sw;  // columns with (iw + pad_left) % stride_w == b
        float* dj = d + (iw0 + pl) / sw;
        for (int iw = iw0; iw < s.in_w; iw += sw) *dj++ = row[iw];
      }
    }
}
}  // namespace

// Zero-padded input of one (image, group), split into stride_h x stride_w phases:
// dst[(a*stride_w + b)][ci][i][j] = padded[ci][i*stride_h + a][j*stride_w + b].
void build_phases(const Conv2dShape& s, const Conv2dLayout& pk, const float* xg, float* dst, int64_t floats) {
  std::memset(dst, 0, sizeof(float) * size_t(floats));
  copy_into_phases(s, pk, xg, dst);
}

const float* PhaseScratch::build(const Conv2dShape& s, const Conv2dLayout& pk, const float* xg, int64_t floats) {
  const Window2d w = s.window();
  const std::array<int64_t, 10> key = {s.in_c / s.groups, s.in_h,     s.in_w, w.stride_h, w.stride_w,
                                       w.pad_top,         w.pad_left, pk.hq,  pk.wq,      floats};
  if (!known_ || key != key_) {
    buf_.ensure(size_t(floats));
    std::memset(buf_.data(), 0, sizeof(float) * size_t(floats));
    key_ = key;
    known_ = true;
  }
  copy_into_phases(s, pk, xg, buf_.data());
  return buf_.data();
}

float* PhaseScratch::raw(int64_t floats) {
  known_ = false;
  buf_.ensure(size_t(floats));
  return buf_.data();
}

}  // namespace faultbench::ops::FAULTBENCH_SIMD_NS::detail

#include "ops/simd/end_target.h"
