// A random stream bit-compatible with CPython 3.11's `random` module (MT19937).
//
// The published fault lists were drawn with `random.seed(42)` and `random.randint`; this
// class reproduces that stream exactly so the lists can be regenerated row for row:
//   seed(int):        init_by_array(32-bit words of abs(seed), least significant first; [0] for 0)
//   getrandbits(k):   k <= 32: next_u32() >> (32 - k); larger k fill 32-bit words low to high
//   _randbelow(n):    k = bit_length(n); r = getrandbits(k); redraw while r >= n
//   randint(a, b):    a + _randbelow(b - a + 1)   (randint(0, 0) still consumes one output)
//   random():         (a >> 5, b >> 6) -> (a * 67108864 + b) / 2^53
#pragma once
#include <array>
#include <cstdint>
#include <span>

namespace faultbench {

class PyRandom {
 public:
  // random.seed(seed) for a Python int seed; negative seeds use abs(seed) as CPython does.
  explicit PyRandom(int64_t seed = 42);

  void seed(int64_t seed);
  // MT19937 init_by_array (CPython's init_by_array; key must not be empty).
  void seed_by_array(std::span<const uint32_t> key);

  // Next raw 32-bit output of MT19937 (genrand_uint32).
  uint32_t next_u32();
  // random.getrandbits(k) for 0 <= k <= 64 (k = 0 returns 0 and consumes nothing).
  uint64_t getrandbits(int k);
  // random._randbelow(n) for n >= 1.
  uint64_t randbelow(uint64_t n);
  // random.randint(a, b) for a <= b (and b - a < 2^63).
  int64_t randint(int64_t a, int64_t b);
  // random.random(): a double in [0, 1) with 53 random bits.
  double random();

 private:
  void init_genrand(uint32_t s);

  static constexpr int kN = 624;
  std::array<uint32_t, kN> mt_{};
  int mti_ = kN + 1;
};

}  // namespace faultbench
