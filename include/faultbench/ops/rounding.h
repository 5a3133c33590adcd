// Rounding of fp32 values to a 16-bit format inside a kernel's fused epilogue (ConvEpilogue::
// round, conv2d.h): the bf16/fp16 modes round every layer output (docs/NUMERICS.md), and
// the conv kernels do it in registers instead of in separate passes. The rules are those of
// faultbench/graph/numerics.h's round_to_format (round to nearest, ties to even, on the
// bits; NaN quiet with its payload truncated, overflow to Inf, fp16 subnormals kept): the
// ops layer cannot include the graph's header, so the formulas are restated here, and
// tests/numerics checks both on every class of value and the fused graphs against the
// Round-node ones.
#pragma once
#include <bit>
#include <cstdint>

namespace faultbench::ops {

enum class Rounding : uint8_t { None, Bf16, Fp16 };

// bf16: drop the low 16 bits of the fp32 word, to nearest even; NaN quiet, truncated.
inline float round_bf16(float x) {
  const uint32_t u = std::bit_cast<uint32_t>(x);
  const uint32_t nan = (u | 0x00400000u) & 0xffff0000u;
  const uint32_t r = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
  return std::bit_cast<float>((u & 0x7fffffffu) > 0x7f800000u ? nan : r);
}

// fp16, branch-free: the normal range rounds 13 mantissa bits off (above 65504: Inf);
// below 2^-14 the grid is 2^-24 and (x + 0.75) - 0.75 rounds to it exactly (numerics.cpp).
inline float round_fp16(float x) {
  const uint32_t u = std::bit_cast<uint32_t>(x);
  const uint32_t a = u & 0x7fffffffu, sign = u & 0x80000000u;
  const uint32_t nan = (u | 0x00400000u) & ~0x1fffu;
  uint32_t normal = (u + 0x0fffu + ((u >> 13) & 1u)) & ~0x1fffu;
  normal = (normal & 0x7fffffffu) > 0x477fe000u ? sign | 0x7f800000u : normal;
  const float tiny = (x + 0.75f) - 0.75f;
  const uint32_t sub = (std::bit_cast<uint32_t>(tiny) & 0x7fffffffu) | sign;
  return std::bit_cast<float>(a > 0x7f800000u ? nan : (a < 0x38800000u ? sub : normal));
}

inline float round_value(Rounding r, float x) {
  return r == Rounding::Bf16 ? round_bf16(x) : r == Rounding::Fp16 ? round_fp16(x) : x;
}

// In place on n values (the untargeted epilogue's passes; these loops vectorize).
void round_values(Rounding r, float* x, int64_t n);

}  // namespace faultbench::ops
