// 2-D convolution (cross-correlation), zero padding, dilation 1, optional bias.
//   x: [batch, in_c, in_h, in_w], weight: [out_c, in_c/groups, kernel, kernel],
//   bias: [out_c] or null, y: [batch, out_c, out_h, out_w].
// Accumulation order (both variants): acc = +0.0f; for ci in the group, kh, kw increasing:
// acc = fma(w, x, acc) with x = 0.0f at padded positions; y = acc + bias[co] if bias.
// An fma whose x is +-0 and whose w is finite adds a +-0 product, which leaves acc
// unchanged unless acc is -0 (reachable only through an underflow). The zero-skipping
// kernel (src/ops/conv2d/sparse.cpp) omits those fmas and recomputes in full every output whose
// sum ends at -0, the only case where omitting them can change a bit.
#pragma once
#include <cstdint>
#include <vector>

#include "faultbench/ops/common.h"
#include "faultbench/ops/conv2d_path.h"

namespace faultbench::ops {

// Output channels per register tile of the optimized kernel (the packing depends on it).
constexpr int kConvTileRows = 4;

struct Conv2dShape {
  int batch = 0, in_c = 0, in_h = 0, in_w = 0, out_c = 0, out_h = 0, out_w = 0;
  int kernel = 1, stride = 1, padding = 0, groups = 1;
};

// Checks every rule (positive sizes, divisibility by groups, out_h/out_w equal to
// floor((in + 2p - k)/s) + 1); throws UsageError("conv2d: ...").
void validate_conv2d(const Conv2dShape& s);

void conv2d_reference(const Conv2dShape& s, const float* x, const float* weight, const float* bias,
                      float* y);

// Weights re-laid out for the optimized kernel. Built once per layer by conv2d_pack and
// rebuilt whenever the weights change. Independent of the batch size.
struct Conv2dPacked {
  Conv2dShape shape;  // batch is ignored
  int k = 0;          // reduction length: in_c/groups * kernel * kernel
  int tiles = 0;      // output-channel tiles per group
  bool depthwise = false;
  // Small output maps (fewer than 64 positions, at least one vector of output channels per
  // group): vectors run over output channels instead of positions, tiles of kLanes.
  bool channel_major = false;
  int tile_rows = 0;  // output channels per tile: kConvTileRows, or the vector width
  // GEMM path: [groups][tiles][k][tile_rows]; depthwise: [out_c][k]
  AlignedBuffer data;
  // GEMM/channel-major geometry: each image's zero-padded input (one group) is split into
  // stride x stride phase planes [phase][ci][hq][wq], so that tap k of the output at
  // q = oh * wq + ow reads phase memory at offsets[k] + q: contiguous in q, no im2col.
  int hq = 0, wq = 0;
  std::vector<int32_t> offsets;  // [k]
  // Zero-skipping path (src/ops/conv2d/sparse.cpp), for layers with at least two vectors of output
  // channels per group: weights [groups][sparse_tiles][k][kLanes] (the data above when
  // channel_major, else this second copy), and the number of non-finite weights (the path
  // may only skip a 0 input when its weight is finite: Inf * 0 is NaN).
  bool sparse_capable = false;
  int sparse_tiles = 0;
  // Tap k's input row and column in the phase planes, as (offsets[k] / wq) * row_bytes +
  // offsets[k] % wq: where the kernel's byte masks of the rows, sparse_row_bytes apart, hold it.
  int sparse_row_bytes = 0;
  std::vector<int32_t> sparse_mask_offsets;  // [k]
  AlignedBuffer sparse_data;  // empty when channel_major (data is used)
  int64_t nonfinite = 0;
  const float* sparse_weights() const { return channel_major ? data.data() : sparse_data.data(); }
  // Padding-skipping path (src/ops/conv2d/taps.cpp), channel-major layers whose padding makes at
  // least a quarter of the (position, step) pairs read zeros (3x3 convs on 2x2 and 4x4
  // maps): per output position p, the steps k whose input lies inside the map, increasing,
  // tap_k[tap_begin[p] .. tap_begin[p + 1]), and that input's offset in the group's
  // [ci][h][w] input, tap_x. Empty otherwise.
  std::vector<int32_t> tap_begin, tap_k, tap_x;
  // Which skipping kernels this layer may use (ConvSparsity, conv2d_path.h); Auto unless
  // a test or benchmark forces a choice. Kept by conv2d_pack_set.
  ConvSparsity sparsity() const { return sparsity_; }
  void set_sparsity(ConvSparsity policy) { sparsity_ = policy; }
  ConvSparsity sparsity_ = ConvSparsity::Auto;
};

Conv2dPacked conv2d_pack(const Conv2dShape& s, const float* weight);

// Sets weight element `index` (flat, [out_c, in_c/groups, kernel, kernel] order) of a
// packed layer to `value` in O(1): the result equals conv2d_pack of the changed weights.
// Used by the campaign engine to inject and restore one faulty weight.
void conv2d_pack_set(Conv2dPacked& pack, int64_t index, float value);


// Elementwise work fused into the optimized conv's store, for conv -> batch_norm -> [add]
// -> [relu] chains. Each output element goes through exactly the unfused operations in
// the unfused order: v = conv (+ bias); v = v * alpha[co]; v = v + beta[co];
// v = residual_first ? r + v : v + r; v = v < 0 ? 0 : v. So fusing never changes a bit.
struct ConvEpilogue {
  const float* alpha = nullptr;     // [out_c] folded batch norm (with beta), or null
  const float* beta = nullptr;
  const float* residual = nullptr;  // [batch, out_c, out_h, out_w], or null
  bool residual_first = false;      // the residual is the add's first operand
  bool relu = false;
  bool empty() const { return alpha == nullptr && residual == nullptr && !relu; }
};

// pool may be null (single-threaded). The batch is s.batch; pack.shape must match s.
//
// needed (optional; fault campaigns): a bitmap per image, words = ceil(out_h * out_w / 64)
// uint64 each, and fill: per image, an output row [out_c, out_h, out_w]. Bit p of image n
// clear means the caller knows output position p (= oh * out_w + ow) of every channel to
// equal fill[n]'s (e.g. golden values that cannot have changed): the kernel may copy it
// from there instead of computing it. With a bitmap the zero-skipping kernel is used
// wherever the layer allows it, and it skips the blocks with no needed position.
// Returns the path that ran (choose_conv2d_path's answer for this call).
Conv2dPath conv2d_optimized(const Conv2dShape& s, const float* x, const Conv2dPacked& pack, const float* bias,
                            float* y, ThreadPool* pool, const ConvEpilogue& epilogue = {},
                            const uint64_t* needed = nullptr, const float* const* fill = nullptr);

// Runs `path` whatever choose_conv2d_path would pick, for tests and benchmarks; arguments
// as conv2d_optimized's. Throws UsageError when the path cannot compute the layer
// (conv2d_path_available). Same bits as every other path.
void conv2d_run_path(Conv2dPath path, const Conv2dShape& s, const float* x, const Conv2dPacked& pack,
                     const float* bias, float* y, ThreadPool* pool, const ConvEpilogue& epilogue = {},
                     const uint64_t* needed = nullptr, const float* const* fill = nullptr);

// A slice of a conv's reduction (src/ops/conv2d/segment.cpp), so that sums over input channels a
// fault cannot have changed are computed once: in DenseNet a fault changes only the
// channels concatenated after the faulty layer, and the 1x1 convs reading the
// concatenation continue from the golden sums over the channels before them.
// Output element (n, co, p): acc = partial[n, co, p] (+0.0f when partial is null); for ci
// in [ci_begin, ci_end) increasing: acc = fma(w[co, ci], x[n, ci, p], acc); then, when
// finish, the bias and the epilogue exactly as conv2d_optimized, else y = acc (raw sums,
// the next slice's partial). Slices chained from channel 0 to in_c therefore give the
// bits of conv2d. partial and y are [batch, out_c, out_h * out_w].
struct Conv2dSegment {
  int ci_begin = 0, ci_end = 0;
  const float* partial = nullptr;
  bool finish = true;  // only for the slice ending at in_c
};
// 1x1, stride 1, no padding, one group: reduction step k is input channel k.
bool conv2d_segment_supported(const Conv2dShape& s);
// Plain loops; weight [out_c, in_c] as conv2d_reference's, no epilogue beyond the bias.
void conv2d_segment_reference(const Conv2dShape& s, const float* x, const float* weight, const float* bias, float* y,
                              const Conv2dSegment& seg);
// Register tiles of 4 positions x up to 4 vectors of output channels; needs
// pack.sparse_capable (the channel-major weight copy).
void conv2d_segment_optimized(const Conv2dShape& s, const float* x, const Conv2dPacked& pack, const float* bias,
                              float* y, ThreadPool* pool, const ConvEpilogue& epilogue, const Conv2dSegment& seg);

// Applies the epilogue to len outputs of channel co: dst[i] = epilogue(src[i], res[i]).
// src may equal dst.
void conv2d_epilogue(const ConvEpilogue& e, int co, const float* src, const float* res, float* dst, int64_t len);

}  // namespace faultbench::ops
