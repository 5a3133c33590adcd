// The int8 operators besides conv/linear (docs/NUMERICS.md "int8"): quantizing the image,
// adding two code tensors, average pooling codes. Codes are int8 integers held as fp32
// values (ops/qconv.h). Each output is a function of its inputs alone, computed with the
// documented float operations in the documented order, so the kernels have one variant
// (pool null: single-threaded); the NumPy re-implementation (tools/int8_reference.py)
// follows the same formulas.
#pragma once
#include <cstdint>

#include "faultbench/ops/common.h"

namespace faultbench::ops {

// y = saturate(round_half_even(fp32(x / scale))) into [-128, 127]. NaN codes as 0
// (ONNX leaves it undefined; a NaN image is refused before this anyway).
float quantize_one(float x, float scale);
void quantize_linear(int64_t n, const float* x, float scale, float* y, ThreadPool* pool);

// y = saturate(round_half_even(fp64(a) * fp64(ma) + fp64(b) * fp64(mb))) into
// [relu ? 0 : -128, 127] (both products exact in fp64; one rounded sum). The lanes run per
// SIMD target (src/ops/qelementwise_simd.cpp), each element with exactly these operations.
void qadd(int64_t n, const float* a, const float* b, float ma, float mb, bool relu, float* y, ThreadPool* pool);

// Average pooling without padding (kernel, stride; global: kernel = the map, stride 1):
// sum = the window's codes (exact integer), y = saturate(round_half_even(fp64(sum) * fp64(m)))
// into [-128, 127], m = fp32(fp32(x_scale / y_scale) / fp32(window cells)).
struct QPoolShape {
  int batch = 0, c = 0, in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  int kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1;
};
void qavg_pool(const QPoolShape& s, const float* x, float m, float* y, ThreadPool* pool);

// A batch norm on codes (planes of hw values, channel c = plane % channels):
// y = saturate(round_half_even(fp64(x) * fp64(m[c]) + fp64(b[c]))) into [relu ? 0 : -128, 127]
// (the product exact, one rounded sum).
void qaffine(int64_t planes, int channels, int64_t hw, const float* x, const float* m, const float* b, bool relu,
             float* y, ThreadPool* pool);

// Codes requantized to another scale: y = saturate(round_half_even(fp64(x) * fp64(m))) into
// [-128, 127] (a Concat input; m = 1 copies).
void qrescale(int64_t n, const float* x, float m, float* y);

}  // namespace faultbench::ops
