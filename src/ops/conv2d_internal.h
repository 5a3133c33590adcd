// Private to src/ops: the two optimized conv2d paths behind conv2d_optimized().
#pragma once
#include "faultbench/ops/conv2d.h"

namespace faultbench::ops::detail {

// Direct GEMM over stride-phase planes (conv2d_gemm.cpp); any groups with in_c/groups > 1.
void conv_gemm(const Conv2dShape& s, const float* x, const Conv2dPacked& pk, const float* bias, float* y,
               ThreadPool* pool, const ConvEpilogue& epi);

// One input channel per group (conv2d_depthwise.cpp).
void conv_depthwise(const Conv2dShape& s, const float* x, const Conv2dPacked& pk, const float* bias, float* y,
                    ThreadPool* pool, const ConvEpilogue& epi);

}  // namespace faultbench::ops::detail
