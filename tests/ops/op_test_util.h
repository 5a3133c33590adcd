// Helpers shared by the operator tests: seeded random data and bitwise comparison.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "faultbench/ops/simd_target.h"

namespace faultbench::testing {

// The channel-major and zero-skipping conv paths exist on vector SIMD targets (AVX-512,
// AVX2, NEON), not on the scalar one (FAULTBENCH_SIMD=scalar).
inline bool vector_build() { return ops::simd_lanes() > 1; }

inline std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& f : v) f = d(rng);
  return v;
}

// Index of the first element whose bits differ, or -1.
inline int64_t first_bit_difference(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return 0;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) return int64_t(i);
  return -1;
}

// Index of the first element where a and b differ other than as two NaNs (with
// non-finite weights only NaN-ness is part of the contract, not the payload), or -1.
inline int64_t first_difference_but_nans(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) && std::isnan(b[i])) continue;
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) return int64_t(i);
  }
  return -1;
}

inline int64_t count_nans(const std::vector<float>& v) {
  int64_t n = 0;
  for (float f : v) n += std::isnan(f);
  return n;
}

#define EXPECT_BITWISE_EQ(a, b)                                                                      \
  do {                                                                                               \
    const int64_t at_ = ::faultbench::testing::first_bit_difference((a), (b));                       \
    EXPECT_EQ(at_, -1) << "first difference at " << at_ << ": "                                      \
                       << (at_ >= 0 && size_t(at_) < (a).size() ? (a)[size_t(at_)] : 0.0f) << " vs " \
                       << (at_ >= 0 && size_t(at_) < (b).size() ? (b)[size_t(at_)] : 0.0f);          \
  } while (0)

inline uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

}  // namespace faultbench::testing
