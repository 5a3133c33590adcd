// The number formats: names, widths, and the rounding functions every mode uses
// (docs/NUMERICS.md). All rounding is round to nearest, ties to even, on the bits, so it
// does not depend on the FPU's rounding mode or on the compiler.
#include "faultbench/graph/numerics.h"

#include <bit>
#include <cstring>

#include "faultbench/error.h"

namespace faultbench {

namespace {
constexpr struct {
  Numerics n;
  const char* name;
} kNames[] = {{Numerics::Fp32, "fp32"}, {Numerics::Tf32, "tf32"}, {Numerics::Tf32Published, "tf32-published"},
              {Numerics::Bf16, "bf16"}, {Numerics::Fp16, "fp16"}, {Numerics::Int8, "int8"}};

// Drops the low `drop` mantissa bits of an fp32 word, rounding to nearest even. Carries
// propagate into the exponent (1.111..1 x 2^e becomes 2^(e+1); the largest values become
// Inf). NaN: quiet bit set so that it stays NaN, payload truncated.
inline uint32_t round_mantissa(uint32_t u, int drop) {
  const uint32_t mask = (uint32_t(1) << drop) - 1;
  if ((u & 0x7f800000u) == 0x7f800000u) return (u & 0x007fffffu) ? ((u | 0x00400000u) & ~mask) : u;
  const uint32_t lsb = (u >> drop) & 1u;
  return (u + (mask >> 1) + lsb) & ~mask;
}

// fp32 -> binary16, round to nearest even, gradual underflow, overflow to Inf.
uint16_t to_fp16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint16_t sign = uint16_t((x >> 16) & 0x8000u);
  const uint32_t u = x & 0x7fffffffu;
  if (u >= 0x7f800000u)  // Inf or NaN (NaN: quiet, top payload bits kept)
    return uint16_t(sign | 0x7c00u | (u > 0x7f800000u ? 0x200u | ((u >> 13) & 0x3ffu) : 0u));
  if (u >= 0x477ff000u) return uint16_t(sign | 0x7c00u);  // >= 65520: rounds to Inf
  if (u < 0x38800000u) {                                  // below 2^-14: a subnormal (or 0)
    if (u <= 0x33000000u) return sign;                    // <= 2^-25: rounds to +-0 (tie to even)
    const uint32_t e = u >> 23, m = (u & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126 - e;  // value * 2^24 = m * 2^(e - 126)
    uint32_t r = m >> shift;
    const uint32_t rem = m & ((uint32_t(1) << shift) - 1), half = uint32_t(1) << (shift - 1);
    if (rem > half || (rem == half && (r & 1u))) ++r;
    return uint16_t(sign | r);
  }
  uint32_t v = u - 0x38000000u;  // rebias the exponent from 127 to 15
  v += 0xfffu + ((v >> 13) & 1u);
  return uint16_t(sign | (v >> 13));
}

// Rounds to binary16 precision without forming the 16-bit word, branch-free so that
// round_span vectorizes; equal to from_fp16(to_fp16(x)) for every x (tested). Normal range:
// 13 mantissa bits rounded off as for TF32, then anything above 65504 is Inf. Below 2^-14
// the grid is 2^-24: (x + 0.75) - 0.75 rounds x to it (0.75 + x stays in [0.5, 1), whose
// ulp is 2^-24, and 0.75 is an even multiple of it, so ties go to even), exactly.
inline float round_fp16(float x) {
  const uint32_t u = std::bit_cast<uint32_t>(x);
  const uint32_t a = u & 0x7fffffffu, sign = u & 0x80000000u;
  const uint32_t nan = (u | 0x00400000u) & ~0x1fffu;
  uint32_t normal = (u + 0x0fffu + ((u >> 13) & 1u)) & ~0x1fffu;
  normal = (normal & 0x7fffffffu) > 0x477fe000u ? sign | 0x7f800000u : normal;
  const float tiny = (x + 0.75f) - 0.75f;
  const uint32_t sub = (std::bit_cast<uint32_t>(tiny) & 0x7fffffffu) | sign;
  const uint32_t r = a > 0x7f800000u ? nan : (a < 0x38800000u ? sub : normal);
  return std::bit_cast<float>(r);
}

float from_fp16(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
  uint32_t u;
  if (e == 0x1f) {
    u = sign | 0x7f800000u | (m << 13);
  } else if (e != 0) {
    u = sign | ((e + 112) << 23) | (m << 13);
  } else if (m == 0) {
    u = sign;
  } else {  // subnormal: m x 2^-24, normal in fp32
    int shift = 0;
    uint32_t mm = m;
    while (!(mm & 0x400u)) mm <<= 1, ++shift;
    u = sign | (uint32_t(113 - shift) << 23) | ((mm & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(u);
}
}  // namespace

const char* numerics_name(Numerics n) {
  for (const auto& e : kNames)
    if (e.n == n) return e.name;
  return "?";
}

std::optional<Numerics> parse_numerics(std::string_view text) {
  for (const auto& e : kNames)
    if (text == e.name) return e.n;
  return std::nullopt;
}

int numerics_weight_bits(Numerics n) {
  if (n == Numerics::Int8) return 8;
  return n == Numerics::Bf16 || n == Numerics::Fp16 ? 16 : 32;
}

const char* weight_bit_field(Numerics n, int bit) {
  const int width = numerics_weight_bits(n);
  FAULTBENCH_CHECK(bit >= 0 && bit < width, "weight_bit_field: bit outside the format");
  if (bit == width - 1) return "sign";
  if (n == Numerics::Int8) return "value";
  const int mantissa_bits = n == Numerics::Bf16 ? 7 : n == Numerics::Fp16 ? 10 : 23;
  return bit >= mantissa_bits ? "exponent" : "mantissa";
}

const char* round_format_name(RoundFormat f) {
  switch (f) {
    case RoundFormat::None: return "none";
    case RoundFormat::Tf32: return "tf32";
    case RoundFormat::Bf16: return "bf16";
    case RoundFormat::Fp16: return "fp16";
  }
  return "?";
}

RoundFormat weight_storage_format(Numerics n) {
  if (n == Numerics::Bf16) return RoundFormat::Bf16;
  if (n == Numerics::Fp16) return RoundFormat::Fp16;
  return RoundFormat::None;
}

float round_to_format(RoundFormat f, float v) {
  switch (f) {
    case RoundFormat::None: return v;
    case RoundFormat::Tf32: return std::bit_cast<float>(round_mantissa(std::bit_cast<uint32_t>(v), 13));
    case RoundFormat::Bf16: return std::bit_cast<float>(round_mantissa(std::bit_cast<uint32_t>(v), 16));
    case RoundFormat::Fp16: return round_fp16(v);
  }
  return v;
}

void round_span(RoundFormat f, const float* x, float* y, int64_t n) {
  // One loop per format: the integer TF32/bf16 loops vectorize.
  switch (f) {
    case RoundFormat::None:
      if (x != y) std::memmove(y, x, sizeof(float) * size_t(n));
      return;
    case RoundFormat::Tf32:
      for (int64_t i = 0; i < n; ++i) y[i] = std::bit_cast<float>(round_mantissa(std::bit_cast<uint32_t>(x[i]), 13));
      return;
    case RoundFormat::Bf16:
      for (int64_t i = 0; i < n; ++i) y[i] = std::bit_cast<float>(round_mantissa(std::bit_cast<uint32_t>(x[i]), 16));
      return;
    case RoundFormat::Fp16:
      for (int64_t i = 0; i < n; ++i) y[i] = round_fp16(x[i]);
      return;
  }
}

uint16_t bf16_bits(float v) { return uint16_t(std::bit_cast<uint32_t>(v) >> 16); }
float bf16_from_bits(uint16_t b) { return std::bit_cast<float>(uint32_t(b) << 16); }
uint16_t fp16_bits(float v) { return to_fp16(v); }
float fp16_from_bits(uint16_t b) { return from_fp16(b); }

}  // namespace faultbench
