// conv2d: weight packing for the optimized kernels (the layouts are described in
// conv2d.h; the kernels are the other files of this folder, conv2d.cpp dispatches).
#include <cmath>
#include <climits>
#include <cstdint>
#include <memory>
#include <string>

#include "faultbench/ops/conv2d.h"
#include "faultbench/util/parallel.h"
#include "layout.h"

#include "ops/simd/begin_target.h"
#include "internal.h"

namespace faultbench::ops::FAULTBENCH_SIMD_NS {

namespace {
// [groups][tiles][k][rows]: the `rows` weights of one reduction step are adjacent, so a
// kernel broadcasts them from one cache line or loads them as one vector. Missing rows
// (past the group's last output channel) are 0.
void pack_tiles(const Conv2dShape& s, int k, int rows, const float* weight, AlignedBuffer& out) {
  const int cout_g = s.out_c / s.groups, tiles = (cout_g + rows - 1) / rows;
  out.resize(size_t(s.groups) * tiles * k * rows);
  float* d = out.data();
  for (int g = 0; g < s.groups; ++g)
    for (int t = 0; t < tiles; ++t)
      for (int kk = 0; kk < k; ++kk)
        for (int r = 0; r < rows; ++r) {
          const int col = t * rows + r;  // output channel within the group
          *d++ = col < cout_g ? weight[(int64_t(g) * cout_g + col) * k + kk] : 0.0f;
        }
}

// Where weight (co, kk) lies in a pack_tiles layout.
int64_t tiled_index(const Conv2dShape& s, int k, int rows, int co, int kk) {
  const int cout_g = s.out_c / s.groups, tiles = (cout_g + rows - 1) / rows;
  const int g = co / cout_g, col = co % cout_g;
  return ((int64_t(g) * tiles + col / rows) * k + kk) * rows + col % rows;
}
}  // namespace

// (Conv2dPacked's members: untargeted, in dispatch.cpp.)

Conv2dPacked conv2d_pack(const Conv2dShape& s, const float* weight) {
  validate_conv2d(s);
  Conv2dPacked packed;
  detail::Conv2dLayout& p = packed.layout();
  p.shape = s;
  p.lanes = simd::kLanes;
  const int cin_g = s.in_c / s.groups, cout_g = s.out_c / s.groups;
  const Window2d win = s.window();
  p.k = cin_g * win.kernel_h * win.kernel_w;
  // The depthwise kernel takes square windows only; the GEMM one any window (below).
  p.plain = s.general.has_value() && cin_g == 1;
  p.depthwise = cin_g == 1 && !s.general;
  if (p.depthwise || p.plain) {
    // [out_c][k]: the weights as they are.
    p.data.resize(size_t(s.out_c) * p.k);
    for (int64_t i = 0; i < int64_t(s.out_c) * p.k; ++i) {
      p.data.data()[i] = weight[i];
      p.nonfinite += std::isfinite(weight[i]) ? 0 : 1;
    }
    return packed;
  }
  // Stride-phase planes of the padded input (any window: tap (kh, kw) of the output at
  // (oh, ow) reads padded row oh * stride_h + kh * dilation_h, in phase (that % stride_h)).
  const int sh = win.stride_h, sw = win.stride_w;
  p.hq = int((int64_t(s.in_h) + win.pad_top + win.pad_bottom + sh - 1) / sh);
  p.wq = int((int64_t(s.in_w) + win.pad_left + win.pad_right + sw - 1) / sw);
  const int64_t plane = int64_t(p.hq) * p.wq;
  if (int64_t(sh) * sw * cin_g * plane + 4096 > INT32_MAX)
    shape_error("conv2d", "input too large for the packed kernel");
  p.offsets.resize(size_t(p.k));
  const int khn = win.kernel_h, kwn = win.kernel_w;
  for (int kk_i = 0; kk_i < p.k; ++kk_i) {
    const int ci = kk_i / (khn * kwn);
    const int64_t rh = int64_t((kk_i / kwn) % khn) * win.dilation_h, rw = int64_t(kk_i % kwn) * win.dilation_w;
    const int64_t phase = rh % sh * sw + rw % sw;
    p.offsets[size_t(kk_i)] = int32_t(((phase * cin_g + ci) * p.hq + rh / sh) * p.wq + rw / sw);
  }
  // Maps under 64 positions fill few position vectors (a 2x2 map uses 4 of 16 lanes):
  // vectorize over output channels there instead. (Square windows only, as the
  // zero-skipping and padding-skipping kernels: any other window runs the GEMM kernel.)
  p.channel_major = !s.general && simd::kLanes > 1 && int64_t(s.out_h) * s.out_w < 64 && cout_g >= simd::kLanes;
  const int MR = p.tile_rows = p.channel_major ? simd::kLanes : kConvTileRows;
  p.tiles = (cout_g + MR - 1) / MR;
  pack_tiles(s, p.k, MR, weight, p.data);
  // The zero-skipping kernel puts output channels in lanes too; it pays off from two
  // vectors of them (each skipped input then saves that many fmas).
  p.sparse_capable = !s.general && simd::kLanes > 1 && cout_g >= 2 * simd::kLanes;
  if (p.sparse_capable) {
    p.sparse_tiles = (cout_g + simd::kLanes - 1) / simd::kLanes;
    if (!p.channel_major) pack_tiles(s, p.k, simd::kLanes, weight, p.sparse_data);
    p.sparse_row_bytes = p.wq <= 16 ? 16 : p.wq <= 32 ? 32 : 64;  // rows over 64 floats: generic lists
    for (const int32_t off : p.offsets) p.sparse_mask_offsets.push_back(off / p.wq * p.sparse_row_bytes + off % p.wq);
  }
  for (int64_t i = 0; i < int64_t(s.out_c) * p.k; ++i) p.nonfinite += std::isfinite(weight[i]) ? 0 : 1;
  if (p.channel_major && s.padding > 0) detail::plan_taps(s, p);
  // The geometry of the path that runs the layer's dense calls, once (not per call).
  if (p.channel_major)
    detail::plan_channels(p);
  else
    detail::plan_gemm(p);
  return packed;
}

void conv2d_pack_set(Conv2dPacked& packed, int64_t index, float value) {
  detail::Conv2dLayout& p = packed.layout();
  const Conv2dShape& s = p.shape;
  const int64_t count = int64_t(s.out_c) * p.k;
  if (index < 0 || index >= count)
    shape_error("conv2d",
                "weight index " + std::to_string(index) + " outside the " + std::to_string(count) + " weights");
  const int co = int(index / p.k), kk = int(index % p.k);
  float* slot = p.depthwise || p.plain ? p.data.data() + index  // [out_c][k]: the weights as they are
                                       : p.data.data() + tiled_index(s, p.k, p.tile_rows, co, kk);
  p.nonfinite += (std::isfinite(value) ? 0 : 1) - (std::isfinite(*slot) ? 0 : 1);
  *slot = value;
  if (p.sparse_capable && !p.channel_major) p.sparse_data.data()[tiled_index(s, p.k, simd::kLanes, co, kk)] = value;
}

}  // namespace faultbench::ops::FAULTBENCH_SIMD_NS

#include "ops/simd/end_target.h"
