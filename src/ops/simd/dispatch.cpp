// Choosing the SIMD target at run time (docs/SIMD.md): the CPU's best, or FAULTBENCH_SIMD.
#include "dispatch.h"

#include <atomic>
#include <cstdlib>
#include <string>

#include "faultbench/error.h"

namespace faultbench::ops {

namespace {

// Whether this CPU and OS run target t's code. GCC's and clang's __builtin_cpu_supports
// report AVX/AVX-512 features only when XGETBV says the OS saves the YMM/ZMM state, so a
// kernel that disabled AVX-512 (or a VM that hides it) is answered correctly. The lists
// match FAULTBENCH_SIMD_ISA in begin_target.h.
bool cpu_runs(SimdTarget t) {
  switch (t) {
    case SimdTarget::kScalar: return true;
#if defined(__x86_64__) || defined(_M_X64)
    case SimdTarget::kAvx2:
      __builtin_cpu_init();
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi") &&
             __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt");
    case SimdTarget::kAvx512:
      return cpu_runs(SimdTarget::kAvx2) && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512cd");
#elif defined(__aarch64__)
    case SimdTarget::kNeon: return true;  // Advanced SIMD (with fused multiply-add) is part of the aarch64 baseline
#endif
    default: return false;
  }
}

// Best first.
constexpr SimdTarget kPreference[] = {SimdTarget::kAvx512, SimdTarget::kAvx2, SimdTarget::kNeon, SimdTarget::kScalar};

std::string supported_list() {
  std::string s;
  for (const SimdTarget t : simd_targets_supported()) s += std::string(s.empty() ? "" : ", ") + simd_target_name(t);
  return s;
}

SimdTarget from_environment() {
  const char* value = std::getenv("FAULTBENCH_SIMD");
  if (value == nullptr || *value == '\0') return simd_targets_supported().front();
  for (const SimdTarget t : kPreference) {
    if (std::string(value) != simd_target_name(t)) continue;
    if (!cpu_runs(t))
      throw UsageError(std::string("FAULTBENCH_SIMD=") + value + ": this CPU (or this build) cannot run the " + value +
                       " kernels; it supports: " + supported_list());
    return t;
  }
  throw UsageError(std::string("FAULTBENCH_SIMD=") + value +
                   ": unknown SIMD target; the values are avx512, avx2, neon and scalar (unset: the CPU's best)");
}

// -1 until chosen; then the target's index (set_simd_target may change it).
std::atomic<int> g_active{-1};
std::atomic<int> g_forced{-1};

}  // namespace

const char* simd_target_name(SimdTarget t) {
  switch (t) {
    case SimdTarget::kScalar: return "scalar";
    case SimdTarget::kNeon: return "neon";
    case SimdTarget::kAvx2: return "avx2";
    case SimdTarget::kAvx512: return "avx512";
  }
  return "unknown";
}

std::vector<SimdTarget> simd_targets_supported() {
  std::vector<SimdTarget> out;
  for (const SimdTarget t : kPreference)
    if (cpu_runs(t)) out.push_back(t);
  return out;
}

SimdTarget simd_target() { return SimdTarget(simd::active_index()); }

void set_simd_target(SimdTarget t) {
  if (!cpu_runs(t))
    throw UsageError(std::string("SIMD target ") + simd_target_name(t) +
                     ": this CPU (or this build) cannot run it; it supports: " + supported_list());
  g_forced.store(int(t));
  g_active.store(int(t));
}

void reset_simd_target() {
  g_forced.store(-1);
  g_active.store(-1);
}

int simd_lanes() {
  switch (simd_target()) {
    case SimdTarget::kScalar: return 1;
    case SimdTarget::kNeon: return 4;
    case SimdTarget::kAvx2: return 8;
    case SimdTarget::kAvx512: return 16;
  }
  return 1;
}

namespace simd {
int active_index() {
  const int a = g_active.load(std::memory_order_relaxed);
  if (a >= 0) return a;
  const int forced = g_forced.load();
  const int chosen = forced >= 0 ? forced : int(from_environment());  // throws on a bad FAULTBENCH_SIMD
  g_active.store(chosen);
  return chosen;
}
}  // namespace simd

}  // namespace faultbench::ops
