// Random-weight zoo models prepared for NaN/Inf faults (nan_inf_test, campaign_nan_test).
//
// Bit 30 is the top bit of the binary32 exponent. Flipping it in a weight w with
// |w| in [1, 2) (exponent 127) gives exponent 255: w = 1.0 becomes +Inf, w = -1.5 becomes
// a negative quiet NaN (0xFFC00000); a weight with |w| in [0.5, 1) or below becomes
// |w| * 2^128, a huge finite value that overflows to Inf later. So that every layer has
// all three cases, element 0 of every conv/linear weight is set to 1.0 and element 1 to
// -1.5 (golden values: the fault-free model stays finite).
#pragma once
#include <bit>
#include <cmath>
#include <cstdint>
#include <random>

#include "faultbench/graph.h"

namespace faultbench::robustness {

enum class NanFault { Huge, Inf, NaN };
inline const char* nan_fault_name(NanFault k) {
  return k == NanFault::Huge ? "huge" : k == NanFault::Inf ? "inf" : "nan";
}

inline void randomize_for_nan(Graph& g, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 0.1f);
  std::uniform_real_distribution<float> var(0.5f, 1.5f);
  for (Param& p : g.params)
    for (float& v : p.value.data) v = p.role == ParamRole::RunningVar ? var(rng) : d(rng);
  for (int pi : g.fault_site_params()) {
    g.params[size_t(pi)].value.data[0] = 1.0f;
    g.params[size_t(pi)].value.data[1] = -1.5f;
  }
}

// Element of parameter `pi` whose bit-30 flip makes fault kind `k`.
inline int64_t nan_fault_offset(const Graph& g, int pi, NanFault k) {
  if (k == NanFault::Inf) return 0;
  if (k == NanFault::NaN) return 1;
  const std::vector<float>& w = g.params[size_t(pi)].value.data;
  size_t best = 2;
  for (size_t i = 3; i < w.size(); ++i)
    if (std::fabs(w[i]) > std::fabs(w[best])) best = i;
  return int64_t(best);
}

inline float flip_bit30(float w) { return std::bit_cast<float>(std::bit_cast<uint32_t>(w) ^ (1u << 30)); }

}  // namespace faultbench::robustness
