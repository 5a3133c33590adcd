// MT19937 as in CPython's Modules/_randommodule.c (itself the 2002 reference code of
// Matsumoto and Nishimura), plus the Python-level helpers of Lib/random.py (3.11).
#include "faultbench/util/py_random.h"

#include <bit>
#include <vector>

#include "faultbench/error.h"

namespace faultbench {

namespace {
constexpr int kM = 397;
constexpr uint32_t kMatrixA = 0x9908b0dfU;
constexpr uint32_t kUpperMask = 0x80000000U;
constexpr uint32_t kLowerMask = 0x7fffffffU;
}  // namespace

PyRandom::PyRandom(int64_t seed_value) { seed(seed_value); }

void PyRandom::seed(int64_t seed_value) {
  // abs() in unsigned arithmetic so that INT64_MIN does not overflow.
  uint64_t mag = seed_value < 0 ? uint64_t(0) - uint64_t(seed_value) : uint64_t(seed_value);
  std::vector<uint32_t> key;
  do {  // 32-bit words, least significant first; [0] for seed 0 (CPython: keyused = 1)
    key.push_back(uint32_t(mag & 0xffffffffU));
    mag >>= 32;
  } while (mag != 0);
  seed_by_array(key);
}

void PyRandom::init_genrand(uint32_t s) {
  mt_[0] = s;
  for (int i = 1; i < kN; ++i)
    mt_[size_t(i)] = 1812433253U * (mt_[size_t(i - 1)] ^ (mt_[size_t(i - 1)] >> 30)) + uint32_t(i);
  mti_ = kN;
}

void PyRandom::seed_by_array(std::span<const uint32_t> key) {
  FAULTBENCH_CHECK(!key.empty(), "PyRandom::seed_by_array: empty key");
  init_genrand(19650218U);
  size_t i = 1, j = 0;
  const size_t key_length = key.size();
  for (size_t k = (size_t(kN) > key_length ? size_t(kN) : key_length); k; --k) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525U)) + key[j] + uint32_t(j);
    ++i;
    ++j;
    if (i >= size_t(kN)) {
      mt_[0] = mt_[kN - 1];
      i = 1;
    }
    if (j >= key_length) j = 0;
  }
  for (size_t k = kN - 1; k; --k) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941U)) - uint32_t(i);
    ++i;
    if (i >= size_t(kN)) {
      mt_[0] = mt_[kN - 1];
      i = 1;
    }
  }
  mt_[0] = 0x80000000U;  // MSB is 1, assuring a non-zero initial array
}

uint32_t PyRandom::next_u32() {
  if (mti_ >= kN) {  // generate kN words at one time
    int kk = 0;
    for (; kk < kN - kM; ++kk) {
      const uint32_t y = (mt_[size_t(kk)] & kUpperMask) | (mt_[size_t(kk + 1)] & kLowerMask);
      mt_[size_t(kk)] = mt_[size_t(kk + kM)] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
    }
    for (; kk < kN - 1; ++kk) {
      const uint32_t y = (mt_[size_t(kk)] & kUpperMask) | (mt_[size_t(kk + 1)] & kLowerMask);
      mt_[size_t(kk)] = mt_[size_t(kk + (kM - kN))] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
    }
    const uint32_t y = (mt_[kN - 1] & kUpperMask) | (mt_[0] & kLowerMask);
    mt_[kN - 1] = mt_[kM - 1] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
    mti_ = 0;
  }
  uint32_t y = mt_[size_t(mti_++)];
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= (y >> 18);
  return y;
}

uint64_t PyRandom::getrandbits(int k) {
  FAULTBENCH_CHECK(k >= 0 && k <= 64, "PyRandom::getrandbits: k outside 0..64");
  if (k == 0) return 0;
  if (k <= 32) return next_u32() >> (32 - k);
  // CPython fills 32-bit words from the least significant one; the last word keeps its top bits.
  const uint64_t low = next_u32();
  const uint64_t high = next_u32() >> (64 - k);
  return low | (high << 32);
}

uint64_t PyRandom::randbelow(uint64_t n) {
  FAULTBENCH_CHECK(n >= 1, "PyRandom::randbelow: n must be positive");
  const int k = std::bit_width(n);
  uint64_t r = getrandbits(k);
  while (r >= n) r = getrandbits(k);
  return r;
}

int64_t PyRandom::randint(int64_t a, int64_t b) {
  FAULTBENCH_CHECK(a <= b, "PyRandom::randint: empty range");
  const uint64_t width = uint64_t(b) - uint64_t(a) + 1;
  FAULTBENCH_CHECK(width != 0 && width <= (uint64_t(1) << 63), "PyRandom::randint: range too wide");
  return int64_t(uint64_t(a) + randbelow(width));
}

double PyRandom::random() {
  const uint32_t a = next_u32() >> 5, b = next_u32() >> 6;
  return (double(a) * 67108864.0 + double(b)) * (1.0 / 9007199254740992.0);
}

}  // namespace faultbench
