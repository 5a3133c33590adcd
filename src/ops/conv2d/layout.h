// Private to src/ops/conv2d: the packed layer behind ops::Conv2dPacked. Weights re-laid
// out per path, and the geometry each path derives from the shape alone, computed once by
// conv2d_pack (pack.cpp) rather than on every call.
#pragma once
#include <cstdint>
#include <vector>

#include "faultbench/ops/conv2d.h"

namespace faultbench::ops::detail {

// GEMM path (gemm.cpp): one vector of kLanes output lanes; lanes [0, L/2) load from
// phase position lo, [L/2, L) from hi (hi = lo + L/2 except in split mode); its stored
// lanes are segs[seg_begin, seg_end).
struct GemmVec {
  int64_t lo, hi;
  int seg_begin, seg_end;
};
// Lanes in `mask` store to y[plane + off + lane].
struct GemmSeg {
  int64_t off;
  uint32_t mask;
};
// How the GEMM path covers one (image, group)'s output plane with register tiles.
struct GemmGeometry {
  int cin_g = 0, cout_g = 0, K = 0, nv = 0;
  bool split = false;         // two half-vectors from two output rows (narrow maps)
  int64_t blocks = 0;         // vectors / nv
  std::vector<GemmVec> vecs;  // blocks * nv entries; fillers have no segments
  std::vector<GemmSeg> segs;
  int64_t phase_floats = 0;  // one (image, group) phase buffer, slack included
};

// Channel-major path (channels.cpp): its register tile and output positions.
struct ChannelsGeometry {
  int np = 4, ncmax = 4;  // register tile: positions x channel vectors
  int pblocks = 0, cgroups = 0;
  std::vector<int64_t> q;  // [pblocks * np] phase position of each output; repeats past the end
  int64_t phase_floats = 0;
};

struct Conv2dLayout {
  Conv2dShape shape;  // batch is ignored
  int lanes = 0;      // vector width of the SIMD target that packed it (docs/SIMD.md)
  int k = 0;          // reduction length: in_c/groups * kernel * kernel
  int tiles = 0;      // output-channel tiles per group
  bool depthwise = false;
  // A depthwise layer whose window is not square (Conv2dShape::general): the Plain path
  // runs it, from data = the weights as they are, [out_c][k]; nothing else is planned.
  // (Other layers with such windows run the GEMM kernel, which takes any window.)
  bool plain = false;
  // Small output maps (fewer than 64 positions, at least one vector of output channels per
  // group): vectors run over output channels instead of positions, tiles of kLanes.
  bool channel_major = false;
  int tile_rows = 0;  // output channels per tile: kConvTileRows, or the vector width
  // GEMM path: [groups][tiles][k][tile_rows]; depthwise: [out_c][k]
  AlignedBuffer data;
  // GEMM/channel-major geometry: each image's zero-padded input (one group) is split into
  // stride_h x stride_w phase planes [phase][ci][hq][wq], so that tap k of the output at
  // q = oh * wq + ow reads phase memory at offsets[k] + q: contiguous in q, no im2col.
  int hq = 0, wq = 0;
  std::vector<int32_t> offsets;  // [k]
  // Zero-skipping path (sparse.cpp), for layers with at least two vectors of output
  // channels per group: weights [groups][sparse_tiles][k][kLanes] (the data above when
  // channel_major, else this second copy), and the number of non-finite weights (the path
  // may only skip a 0 input when its weight is finite: Inf * 0 is NaN).
  bool sparse_capable = false;
  int sparse_tiles = 0;
  // Tap k's input row and column in the phase planes, as (offsets[k] / wq) * row_bytes +
  // offsets[k] % wq: where the kernel's byte masks of the rows, sparse_row_bytes apart, hold it.
  int sparse_row_bytes = 0;
  std::vector<int32_t> sparse_mask_offsets;  // [k]
  AlignedBuffer sparse_data;                 // empty when channel_major (data is used)
  int64_t nonfinite = 0;
  const float* sparse_weights() const { return channel_major ? data.data() : sparse_data.data(); }
  // Padding-skipping path (taps.cpp), channel-major layers whose padding makes at least a
  // quarter of the (position, step) pairs read zeros (3x3 convs on 2x2 and 4x4 maps): per
  // output position p, the steps k whose input lies inside the map, increasing,
  // tap_k[tap_begin[p] .. tap_begin[p + 1]), and that input's offset in the group's
  // [ci][h][w] input, tap_x. Empty otherwise.
  std::vector<int32_t> tap_begin, tap_k, tap_x;
  // The GEMM geometry of a layer that is neither depthwise nor channel-major (plan_gemm),
  // and the channel-major one of a channel-major layer (plan_channels).
  GemmGeometry gemm;
  ChannelsGeometry channels;
  ConvSparsity sparsity = ConvSparsity::Auto;  // Conv2dPacked::sparsity
};

// The Plain path (plain.cpp; no SIMD target): conv2d_reference's loops per (image, output
// channel) plane over the pool, then the epilogue. Any window.
void conv_plain(const Conv2dShape& s, const float* x, const Conv2dLayout& pk, const float* bias, float* y,
                ThreadPool* pool, const ConvEpilogue& epilogue);
// One output plane (image n, channel co) as conv2d_reference computes it: the fma chain
// per position, plus the bias. weight: the layer's [out_c][in_c/groups][kh][kw].
void conv_reference_plane(const Conv2dShape& s, const Window2d& w, const float* x, const float* weight,
                          const float* bias, int n, int co, float* y_plane);

}  // namespace faultbench::ops::detail
