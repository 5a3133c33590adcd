// Number formats of a campaign (--numerics): which arithmetic the network runs in and
// which bits a weight fault can flip. The whole of each mode is specified in
// docs/NUMERICS.md; every decision about a mode is taken here (and in
// src/graph/numerics_graph.cpp, which rewrites a graph for a mode), nowhere else.
//
//   fp32            IEEE binary32 everywhere (the default; the engine's original arithmetic).
//   tf32            conv and linear operands (weights and input activations) rounded to
//                   TF32 (10-bit mantissa, round to nearest even) before the multiply,
//                   fp32 accumulation: what Ampere/Hopper tensor cores compute.
//   tf32-published  tf32 only on the layers cuDNN ran on tensor cores in the published
//                   campaigns (a rule of the layer's shape: tf32_published_uses_tensor_cores).
//   bf16, fp16      weights, biases and BN parameters stored in the 16-bit format; every
//                   layer's output rounded to it; products accumulated in fp32.
//   int8            int8 weights and activations, int32 sums (graph/quantize.h: calibrated,
//                   rewritten by quantize_int8, not apply_numerics).
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace faultbench {

enum class Numerics { Fp32, Tf32, Tf32Published, Bf16, Fp16, Int8 };

// "fp32", "tf32", "tf32-published", "bf16", "fp16": the CLI's spelling and the sidecars'.
const char* numerics_name(Numerics n);
std::optional<Numerics> parse_numerics(std::string_view text);

// Bits of one stored weight: faults flip bits [0, width). 32 for fp32 and both TF32 modes
// (faults flip the fp32 weight before it is rounded), 16 for bf16 and fp16, 8 for int8.
int numerics_weight_bits(Numerics n);

// The field of the stored weight's format that bit `bit` (0 = LSB, < numerics_weight_bits)
// belongs to: "sign", "exponent" or "mantissa" for the float formats (fp32 and the TF32
// modes: 31 / 30..23 / 22..0; bf16: 15 / 14..7 / 6..0; fp16: 15 / 14..10 / 9..0), "sign"
// or "value" for int8's two's complement code (7 / 6..0).
const char* weight_bit_field(Numerics n, int bit);

// A format values are rounded to. None: no rounding (fp32).
enum class RoundFormat : uint8_t { None, Tf32, Bf16, Fp16 };
const char* round_format_name(RoundFormat f);

// Rounds one fp32 value to the format, round to nearest, ties to even, and returns it as
// fp32 (exactly representable in the format). NaN stays NaN (payload truncated to the
// format's mantissa, quiet bit set), +-Inf stays; finite values beyond the format's largest
// become +-Inf (bf16, fp16); fp16 keeps subnormals (gradual underflow, no flush to zero),
// bf16 and tf32 keep fp32's subnormals rounded to their mantissa.
float round_to_format(RoundFormat f, float v);
// The same on `n` values, in place allowed (x == y).
void round_span(RoundFormat f, const float* x, float* y, int64_t n);

// The 16-bit encodings: bits of a value exactly representable in the format (as produced
// by round_to_format), and back. Both exact.
uint16_t bf16_bits(float v);
float bf16_from_bits(uint16_t b);
uint16_t fp16_bits(float v);
float fp16_from_bits(uint16_t b);

// The stored-weight format of a mode (bf16 / fp16; None for the fp32-stored modes).
RoundFormat weight_storage_format(Numerics n);

}  // namespace faultbench
