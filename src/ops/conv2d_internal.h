// Private to src/ops: the two optimized conv2d paths behind conv2d_optimized().
#pragma once
#include "faultbench/ops/conv2d.h"

namespace faultbench::ops::detail {

// Direct GEMM over stride-phase planes (conv2d_gemm.cpp); any groups with in_c/groups > 1.
void conv_gemm(const Conv2dShape& s, const float* x, const Conv2dPacked& pk, const float* bias, float* y,
               ThreadPool* pool, const ConvEpilogue& epi);

// Small output maps (conv2d_channels.cpp): vectors over output channels, not positions.
void conv_channels(const Conv2dShape& s, const float* x, const Conv2dPacked& pk, const float* bias, float* y,
                   ThreadPool* pool, const ConvEpilogue& epi);

// Zero-padded input of one (image, group), split into stride x stride phases:
// dst[(a*st + b)][ci][i][j] = padded[ci][i*st + a][j*st + b]; the first `floats` of dst
// are written (zeros past the phases).
void build_phases(const Conv2dShape& s, const Conv2dPacked& pk, const float* xg, float* dst, int64_t floats);

// The calling thread's buffer for phase planes (conv2d_gemm.cpp).
AlignedBuffer& phase_scratch();

// One input channel per group (conv2d_depthwise.cpp).
void conv_depthwise(const Conv2dShape& s, const float* x, const Conv2dPacked& pk, const float* bias, float* y,
                    ThreadPool* pool, const ConvEpilogue& epi);

}  // namespace faultbench::ops::detail
