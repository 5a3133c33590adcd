// Integer convolution and linear layers of --numerics int8 (docs/NUMERICS.md, "int8"):
// int8 weights, int8 activation codes, exact int32 accumulation, then the ONNX
// QLinearConv requantization (or, for the layer that produces the logits, a dequantization
// to fp32). A linear layer is the 1x1 conv of its [in, 1, 1] input.
//
// Activation codes travel between layers as the fp32 values of the integers (-128..127 are
// exact in fp32): the executor, the campaign engine and its bitwise comparisons stay
// fp32-typed, and the kernels convert at their edges. Inputs must hold integers in
// [-128, 127] (what every int8 producer writes); the kernels do not check.
//
// Both variants are exact (integer sums), so every path gives the same bits: the scalar
// reference (plain loops over the PyTorch weight layout) and the optimized kernels
// (src/ops/qconv/), which run per SIMD target: AVX2 and AVX-512BW `vpmaddubsw` +
// `vpmaddwd` when the input codes are known to be in [0, 127] (the output of a ReLU: the
// u8 x s8 pair sums are at most 2 x 127 x 128 = 32,512 < 32,767, so vpmaddubsw never
// saturates), AVX-512 VNNI `vpdpbusd` on such inputs when the CPU has it, and
// `vpmaddwd` on sign-extended int16 pairs for inputs that may be negative (the image).
#pragma once
#include <cstdint>
#include <vector>

#include "faultbench/ops/common.h"
#include "faultbench/ops/conv2d.h"

namespace faultbench::ops {

// What follows the int32 sum of output channel c: acc = sum + bias[c]; then either
// y = saturate(round_half_even(fp64(acc) * fp64(multiplier[c]))) into [relu ? 0 : -128, 127],
// stored as the fp32 value of that integer (+0.0 for 0), or (dequantize)
// y = fp32(fp64(acc) * fp64(multiplier[c])).
struct QRequant {
  const int32_t* bias = nullptr;      // [out_c], or null (0)
  const float* multiplier = nullptr;  // [out_c]
  bool relu = false;                  // clamp at 0 (a fused ReLU)
  bool dequantize = false;            // fp32 output (the logits)
};

// Round half to even of |v| < 2^51, as np.rint: adding and subtracting 1.5 x 2^52 leaves v
// rounded to an integer in the default rounding mode; branch-free and vectorizable, unlike
// std::nearbyint's libm call (-ffp-contract=off and no -ffast-math keep both operations).
inline double qrequant_rne(double v) {
  constexpr double kMagic = 6755399441055744.0;
  return (v + kMagic) - kMagic;
}
// The exact epilogue on one sum (shared by every kernel).
float qrequant_one(const QRequant& r, int c, int32_t acc);

// weight: int8 codes [out_c, in_c/groups, kh, kw]. Shape rules as conv2d (validate_conv2d).
void qconv_reference(const Conv2dShape& s, const float* x, const int8_t* weight, const QRequant& r, float* y);

// Which optimized kernel ran (qconv_optimized) or would run (choose_qconv_path).
enum class QConvPath : uint8_t { None, Scalar, Avx2Madd16, Avx2Maddubs, Avx512Madd16, Avx512Maddubs, Avx512Vnni };
const char* qconv_path_name(QConvPath p);
// The active SIMD target's path for inputs known to be in [0, 127] (x_unsigned) or not.
QConvPath choose_qconv_path(bool x_unsigned);
// Whether the AVX-512 target may use VNNI: the CPU has it and qconv_allow_vnni(false) was
// not called (tests and benchmarks run the vpmaddubsw path on VNNI CPUs with it).
bool qconv_vnni_usable();
void qconv_allow_vnni(bool allow);

// Weights re-laid out for the optimized kernels: per group, the reduction in (kh, kw, ci)
// order with ci padded to whole 32-bit words of codes, as [K4][co_pad][4] int8 (quads for
// vpmaddubsw / vpdpbusd) and [K2][co_pad][2] int16 (pairs for vpmaddwd), zeros in the
// padding; co_pad = the group's output channels rounded up to the `lanes` int32 lanes of
// the target that packed it.
struct QConvPacked {
  Conv2dShape shape;  // batch ignored
  int lanes = 1, k = 0, k4 = 0, k2 = 0, co_pad = 0;
  std::vector<int8_t> quads;
  std::vector<int16_t> pairs;
};
QConvPacked qconv_pack(const Conv2dShape& s, const int8_t* weight);
// Sets weight element `index` (flat, PyTorch order) to `value`: equals a fresh pack.
void qconv_pack_set(QConvPacked& pack, int64_t index, int8_t value);

// pool may be null. Returns the path that ran. Same bits as qconv_reference.
//
// needed and fill (optional; fault campaigns), as conv2d_optimized's: per image a bitmap of
// the output positions (oh * out_w + ow, ceil(out_h * out_w / 64) words) that must be
// computed, and fill[n], an output row [out_c, out_h, out_w] holding the right values of
// the others. A tile of positions none of which is needed is copied from fill instead of
// computed (a computed position's value is the same either way: the kernel is exact).
QConvPath qconv_optimized(const Conv2dShape& s, const float* x, const QConvPacked& pack, const QRequant& r, float* y,
                          ThreadPool* pool, bool x_unsigned, const uint64_t* needed = nullptr,
                          const float* const* fill = nullptr);
// Positions per tile of qconv_optimized: a tile with a needed position is computed whole.
inline constexpr int kQConvTilePositions = 4;

}  // namespace faultbench::ops
