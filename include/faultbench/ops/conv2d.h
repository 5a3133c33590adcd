// 2-D convolution (cross-correlation), zero padding, optional bias, any window (Window2d).
//   x: [batch, in_c, in_h, in_w], weight: [out_c, in_c/groups, kernel_h, kernel_w],
//   bias: [out_c] or null, y: [batch, out_c, out_h, out_w].
// Accumulation order (both variants): acc = +0.0f; for ci in the group, kh, kw increasing:
// acc = fma(w, x, acc) with x = 0.0f at padded positions; y = acc + bias[co] if bias.
// An fma whose x is +-0 and whose w is finite adds a +-0 product, which leaves acc
// unchanged unless acc is -0 (reachable only through an underflow). The zero-skipping
// kernel (src/ops/conv2d/sparse.cpp) omits those fmas and recomputes in full every output whose
// sum ends at -0, the only case where omitting them can change a bit.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "faultbench/ops/common.h"
#include "faultbench/ops/conv2d_path.h"
#include "faultbench/ops/rounding.h"
#include "faultbench/window2d.h"

namespace faultbench::ops {

namespace detail {
struct Conv2dLayout;
}  // namespace detail

// Output channels per register tile of the optimized kernel (the packing depends on it).
constexpr int kConvTileRows = 4;

struct Conv2dShape {
  int batch = 0, in_c = 0, in_h = 0, in_w = 0, out_c = 0, out_h = 0, out_w = 0;
  // A square window (every zoo layer): kernel x kernel, stride on both axes, padding on
  // every side, no dilation.
  int kernel = 1, stride = 1, padding = 0, groups = 1;
  // Any other window (rectangular kernel, per-axis stride, dilation, asymmetric pads):
  // when set, it is the window and kernel/stride/padding are unused. The paths written for
  // square windows decline such layers (choose_conv2d_path). conv2d_shape() sets it only
  // for windows that are not square, so a square window always takes the square paths.
  std::optional<Window2d> general = std::nullopt;

  Window2d window() const { return general ? *general : Window2d::square(kernel, stride, padding); }
};

// The shape of a conv with window w (square windows in kernel/stride/padding).
Conv2dShape conv2d_shape(int batch, int in_c, int in_h, int in_w, int out_c, int out_h, int out_w, const Window2d& w,
                         int groups);

// Checks every rule (positive sizes, divisibility by groups, out_h/out_w equal to
// floor((in + pad_begin + pad_end - extent)/stride) + 1); throws UsageError("conv2d: ...").
void validate_conv2d(const Conv2dShape& s);

void conv2d_reference(const Conv2dShape& s, const float* x, const float* weight, const float* bias, float* y);

// Weights re-laid out for the optimized kernels, and the geometry those derive from the
// shape (computed here once, not per call). The layouts are private to src/ops/conv2d/
// (layout.h). Built once per layer by conv2d_pack and patched by conv2d_pack_set whenever
// a weight changes. Independent of the batch size. Copies are deep.
class Conv2dPacked {
 public:
  Conv2dPacked();
  ~Conv2dPacked();
  Conv2dPacked(const Conv2dPacked& other);
  Conv2dPacked& operator=(const Conv2dPacked& other);
  Conv2dPacked(Conv2dPacked&& other) noexcept;
  Conv2dPacked& operator=(Conv2dPacked&& other) noexcept;

  const Conv2dShape& shape() const;  // batch is ignored
  // Whether the layer has the channel-major weights that the zero-skipping kernel and
  // conv2d_segment_optimized need (at least two vectors of output channels per group).
  bool sparse_capable() const;
  // How many weights are Inf or NaN (the skipping kernels need them all finite).
  int64_t nonfinite() const;
  // Which skipping kernels this layer may use (ConvSparsity, conv2d_path.h); Auto unless
  // a test or benchmark forces a choice. Kept by conv2d_pack_set.
  ConvSparsity sparsity() const;
  void set_sparsity(ConvSparsity policy);

  // For src/ops/conv2d/ (the type is complete there only).
  const detail::Conv2dLayout& layout() const { return *impl_; }
  detail::Conv2dLayout& layout() { return *impl_; }

 private:
  std::unique_ptr<detail::Conv2dLayout> impl_;
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
// With `round` (the bf16/fp16 modes' Round nodes, fused): v = R(conv (+ bias)); with the
// batch norm v = R(v * alpha + beta) (both steps in fp32, then rounded); with the residual
// v = R(r + v); then the ReLU: each rounding where the Round-node graph has its node.
struct ConvEpilogue {
  const float* alpha = nullptr;  // [out_c] folded batch norm (with beta), or null
  const float* beta = nullptr;
  const float* residual = nullptr;  // [batch, out_c, out_h, out_w], or null
  bool residual_first = false;      // the residual is the add's first operand
  bool relu = false;
  Rounding round = Rounding::None;  // after the conv, the batch norm and the add (rounding.h)
  bool empty() const { return alpha == nullptr && residual == nullptr && !relu && round == Rounding::None; }
};

// pool may be null (single-threaded). The batch is s.batch; pack.shape() must match s.
//
// needed (optional; fault campaigns): a bitmap per image, words = ceil(out_h * out_w / 64)
// uint64 each, and fill: per image, an output row [out_c, out_h, out_w]. Bit p of image n
// clear means the caller knows output position p (= oh * out_w + ow) of every channel to
// equal fill[n]'s (e.g. golden values that cannot have changed): the kernel may copy it
// from there instead of computing it. With a bitmap the zero-skipping kernel is used
// wherever the layer allows it, and it skips the blocks with no needed position.
// Returns the path that ran (choose_conv2d_path's answer for this call).
Conv2dPath conv2d_optimized(const Conv2dShape& s, const float* x, const Conv2dPacked& pack, const float* bias, float* y,
                            ThreadPool* pool, const ConvEpilogue& epilogue = {}, const uint64_t* needed = nullptr,
                            const float* const* fill = nullptr);

// Runs `path` whatever choose_conv2d_path would pick, for tests and benchmarks; arguments
// as conv2d_optimized's. Throws UsageError when the path cannot compute the layer
// (conv2d_path_available). Same bits as every other path.
void conv2d_run_path(Conv2dPath path, const Conv2dShape& s, const float* x, const Conv2dPacked& pack, const float* bias,
                     float* y, ThreadPool* pool, const ConvEpilogue& epilogue = {}, const uint64_t* needed = nullptr,
                     const float* const* fill = nullptr);

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
// pack.sparse_capable() (the channel-major weight copy).
void conv2d_segment_optimized(const Conv2dShape& s, const float* x, const Conv2dPacked& pack, const float* bias,
                              float* y, ThreadPool* pool, const ConvEpilogue& epilogue, const Conv2dSegment& seg);

// Applies the epilogue to len outputs of channel co: dst[i] = epilogue(src[i], res[i]).
// src may equal dst.
void conv2d_epilogue(const ConvEpilogue& e, int co, const float* src, const float* res, float* dst, int64_t len);

}  // namespace faultbench::ops
