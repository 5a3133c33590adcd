// conv2d, optimized: the one place that chooses a path (choose_conv2d_path), and the
// dispatcher that runs it. The paths are the other files of this folder.
#include <cstdint>
#include <string>

#include "faultbench/util/parallel.h"
#include "faultbench/ops/conv2d.h"
#include "layout.h"

#include "ops/simd/begin_target.h"
#include "internal.h"

namespace faultbench::ops::FAULTBENCH_SIMD_NS {

namespace {

void check_pack(const Conv2dShape& s, const Conv2dPacked& pack) {
  validate_conv2d(s);
  const Conv2dShape& p = pack.shape();
  if (p.in_c != s.in_c || p.out_c != s.out_c || p.kernel != s.kernel || p.groups != s.groups || p.in_h != s.in_h ||
      p.in_w != s.in_w || p.stride != s.stride || p.padding != s.padding || p.general != s.general)
    shape_error("conv2d", "packed weights were prepared for a different shape");
}

// The layer allows zero skipping: the channel-major weight copy exists, and a skipped
// 0 input meets a finite weight (Inf * 0 is NaN).
bool sparse_allowed(const detail::Conv2dLayout& pk) {
  return pk.sparse_capable && pk.nonfinite == 0 && pk.sparsity != ConvSparsity::Never;
}

void run(Conv2dPath path, const Conv2dShape& s, const float* x, const Conv2dPacked& packed, const float* bias, float* y,
         ThreadPool* pool, const ConvEpilogue& epilogue, const uint64_t* needed, const float* const* fill) {
  const detail::Conv2dLayout& pack = packed.layout();
  switch (path) {
    case Conv2dPath::None: return;
    case Conv2dPath::Depthwise: return detail::conv_depthwise(s, x, pack, bias, y, pool, epilogue);
    case Conv2dPath::Taps: return detail::conv_taps(s, x, pack, bias, y, pool, epilogue);
    case Conv2dPath::Sparse: return detail::conv_sparse(s, x, pack, bias, y, pool, epilogue, needed, fill);
    case Conv2dPath::Channels: return detail::conv_channels(s, x, pack, bias, y, pool, epilogue);
    case Conv2dPath::Gemm: return detail::conv_gemm(s, x, pack, bias, y, pool, epilogue);
    case Conv2dPath::Plain: return ops::detail::conv_plain(s, x, pack, bias, y, pool, epilogue);
  }
}

}  // namespace

const char* conv2d_path_name(Conv2dPath path) {
  switch (path) {
    case Conv2dPath::None: return "none";
    case Conv2dPath::Depthwise: return "depthwise";
    case Conv2dPath::Taps: return "taps";
    case Conv2dPath::Sparse: return "sparse";
    case Conv2dPath::Channels: return "channels";
    case Conv2dPath::Gemm: return "gemm";
    case Conv2dPath::Plain: return "plain";
  }
  return "?";
}

Conv2dPath choose_conv2d_path(const Conv2dPacked& pack, const Conv2dCall& call) {
  const detail::Conv2dLayout& pk = pack.layout();
  if (call.batch == 0) return Conv2dPath::None;
  if (pk.plain) return Conv2dPath::Plain;
  if (pk.depthwise) return Conv2dPath::Depthwise;
  const ConvSparsity policy = pk.sparsity;
  // Always forces the zero-skipping kernel (its tests), Never every skipping.
  if (!call.needed && !pk.tap_begin.empty() && pk.nonfinite == 0 && policy == ConvSparsity::Auto)
    return Conv2dPath::Taps;
  const int64_t pairs = int64_t(call.batch) * pk.shape.groups;
  if (sparse_allowed(pk) && !(call.threads > 1 && pairs < 2 * call.threads)) {
    if (policy == ConvSparsity::Always || call.needed) return Conv2dPath::Sparse;
    if (call.x) {
      // The first image stands for the batch (the choice changes speed, never bits).
      const Conv2dShape& s = pk.shape;
      const int64_t count = int64_t(s.in_c) * s.in_h * s.in_w;
      int64_t zeros = 0;
      for (int64_t i = 0; i < count; ++i) zeros += call.x[i] == 0.0f;
      if (double(zeros) >= kSparseMinZeroFraction * double(count)) return Conv2dPath::Sparse;
    }
  }
  return pk.channel_major ? Conv2dPath::Channels : Conv2dPath::Gemm;
}

bool conv2d_path_available(const Conv2dPacked& pack, Conv2dPath path) {
  const detail::Conv2dLayout& pk = pack.layout();
  switch (path) {
    case Conv2dPath::None: return false;
    case Conv2dPath::Depthwise: return pk.depthwise;
    case Conv2dPath::Taps: return !pk.tap_begin.empty() && pk.nonfinite == 0;
    case Conv2dPath::Sparse: return pk.sparse_capable && pk.nonfinite == 0;
    case Conv2dPath::Channels: return pk.channel_major;
    case Conv2dPath::Gemm: return !pk.depthwise && !pk.channel_major && !pk.plain;
    case Conv2dPath::Plain: return pk.plain;
  }
  return false;
}

Conv2dPath conv2d_optimized(const Conv2dShape& s, const float* x, const Conv2dPacked& pack, const float* bias, float* y,
                            ThreadPool* pool, const ConvEpilogue& epilogue, const uint64_t* needed,
                            const float* const* fill) {
  if ((needed == nullptr) != (fill == nullptr)) shape_error("conv2d", "needed positions come with fill rows");
  check_pack(s, pack);
  const Conv2dPath path =
      FAULTBENCH_SIMD_NS::choose_conv2d_path(pack, {s.batch, pool ? pool->size() : 1, needed != nullptr, x});
  run(path, s, x, pack, bias, y, pool, epilogue, needed, fill);
  return path;
}

void conv2d_run_path(Conv2dPath path, const Conv2dShape& s, const float* x, const Conv2dPacked& pack, const float* bias,
                     float* y, ThreadPool* pool, const ConvEpilogue& epilogue, const uint64_t* needed,
                     const float* const* fill) {
  if ((needed == nullptr) != (fill == nullptr)) shape_error("conv2d", "needed positions come with fill rows");
  check_pack(s, pack);
  if (!FAULTBENCH_SIMD_NS::conv2d_path_available(pack, path))
    shape_error("conv2d",
                std::string("the ") + FAULTBENCH_SIMD_NS::conv2d_path_name(path) + " path cannot compute this layer");
  if (s.batch > 0) run(path, s, x, pack, bias, y, pool, epilogue, needed, fill);
}

}  // namespace faultbench::ops::FAULTBENCH_SIMD_NS

#include "ops/simd/end_target.h"
