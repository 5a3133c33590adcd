// Which SIMD kernels run (docs/SIMD.md). Every kernel is compiled once per target of the
// architecture (x86-64: AVX-512, AVX2+FMA, scalar; aarch64: NEON, scalar) and the best
// one the CPU (and the OS) supports is chosen at run time, once. Results are bitwise
// identical on every target: lanes are independent outputs, each computed with the
// scalar reference's operations in the same order.
#pragma once
#include <string>
#include <vector>

namespace faultbench::ops {

enum class SimdTarget { kScalar = 0, kNeon = 1, kAvx2 = 2, kAvx512 = 3 };
inline constexpr int kSimdTargetCount = 4;

// "scalar", "neon", "avx2", "avx512": the values of FAULTBENCH_SIMD.
const char* simd_target_name(SimdTarget t);

// The targets compiled into this build that this CPU can run, best first.
std::vector<SimdTarget> simd_targets_supported();

// The target the kernels use: set_simd_target's, else the environment variable
// FAULTBENCH_SIMD (avx512|avx2|neon|scalar) read once, else the best supported one.
// Throws UsageError naming the variable when it asks for an unknown target or one this
// CPU lacks.
SimdTarget simd_target();

// Float lanes of a vector of the active target: the tile width of packed weights.
int simd_lanes();

// Forces the target of later kernel calls (tests, benchmarks); UsageError if this CPU
// lacks it. Weights packed under another target's lane count are refused by the kernels:
// pack again after switching.
void set_simd_target(SimdTarget t);
// Back to FAULTBENCH_SIMD or the CPU's best.
void reset_simd_target();

}  // namespace faultbench::ops
