// PyRandom against literal values printed by CPython 3.11.7:
//   random.seed(42); [random.getrandbits(32) for _ in range(5)]   and so on (see each test).
#include "faultbench/util/py_random.h"

#include <gtest/gtest.h>

#include <vector>

#include "faultbench/error.h"

namespace faultbench {
namespace {

TEST(PyRandom, Getrandbits32MatchesCPython) {
  PyRandom rng(42);
  std::vector<uint64_t> got;
  for (int i = 0; i < 5; ++i) got.push_back(rng.getrandbits(32));
  EXPECT_EQ(got, (std::vector<uint64_t>{2746317213, 478163327, 107420369, 3184935163, 1181241943}));
}

// randint(a, b) with b - a + 1 = 1, 2, 3, 31, 2^20 (CPython: random.seed(42); [random.randint(0, r-1) ...]).
TEST(PyRandom, RandintRangesMatchCPython) {
  auto draw = [](int64_t a, int64_t b, int n) {
    PyRandom rng(42);
    std::vector<int64_t> out;
    for (int i = 0; i < n; ++i) out.push_back(rng.randint(a, b));
    return out;
  };
  EXPECT_EQ(draw(0, 0, 3), (std::vector<int64_t>{0, 0, 0}));
  EXPECT_EQ(draw(0, 1, 8), (std::vector<int64_t>{0, 0, 1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(draw(0, 2, 8), (std::vector<int64_t>{2, 0, 0, 2, 1, 0, 0, 0}));
  EXPECT_EQ(draw(0, 30, 8), (std::vector<int64_t>{20, 3, 0, 23, 8, 7, 7, 4}));
  EXPECT_EQ(draw(0, 31, 8), (std::vector<int64_t>{7, 1, 17, 15, 14, 8, 6, 5}));
  EXPECT_EQ(draw(0, (1 << 20) - 1, 5), (std::vector<int64_t>{233478, 52451, 576778, 513575, 468106}));
  EXPECT_EQ(draw(1, 1 << 20, 5), (std::vector<int64_t>{233479, 52452, 576779, 513576, 468107}));
  EXPECT_EQ(draw(10, 20, 0), (std::vector<int64_t>{}));
  PyRandom one(1);  // random.seed(1); [random.randint(10, 20) for _ in range(5)]
  std::vector<int64_t> got;
  for (int i = 0; i < 5; ++i) got.push_back(one.randint(10, 20));
  EXPECT_EQ(got, (std::vector<int64_t>{12, 19, 11, 14, 11}));
}

// randint(0, 0) consumes one 32-bit output: the next getrandbits(32) is the 4th output.
TEST(PyRandom, RandintOfOneValueConsumesAnOutput) {
  PyRandom rng(42);
  for (int i = 0; i < 3; ++i) rng.randint(0, 0);
  EXPECT_EQ(rng.getrandbits(32), 1051802512u);
}

// random.seed(42); [random.getrandbits(k) for k in (1, 7, 33, 64)]
TEST(PyRandom, GetrandbitsOtherWidths) {
  PyRandom rng(42);
  EXPECT_EQ(rng.getrandbits(1), 1u);
  EXPECT_EQ(rng.getrandbits(7), 14u);
  EXPECT_EQ(rng.getrandbits(33), 4402387665u);
  EXPECT_EQ(rng.getrandbits(64), 4517457392071889495u);
  EXPECT_EQ(rng.getrandbits(0), 0u);
  EXPECT_THROW(rng.getrandbits(65), Error);
}

TEST(PyRandom, SeedWordsAndSign) {
  auto first3 = [](int64_t seed) {
    PyRandom rng(seed);
    return std::vector<uint64_t>{rng.getrandbits(32), rng.getrandbits(32), rng.getrandbits(32)};
  };
  EXPECT_EQ(first3(0), (std::vector<uint64_t>{3626764237, 1654615998, 3255389356}));
  EXPECT_EQ(first3((int64_t(1) << 40) + 5), (std::vector<uint64_t>{2166296868, 2220160828, 1153647273}));
  EXPECT_EQ(first3(-42), first3(42));  // CPython seeds with abs(seed)
}

TEST(PyRandom, RandomDouble) {
  PyRandom rng(42);  // random.seed(42); random.random(), random.random()
  EXPECT_EQ(rng.random(), 0.6394267984578837);
  EXPECT_EQ(rng.random(), 0.025010755222666936);
}

TEST(PyRandom, RejectsEmptyRanges) {
  PyRandom rng(42);
  EXPECT_THROW(rng.randint(3, 2), Error);
  EXPECT_THROW(rng.randbelow(0), Error);
}

}  // namespace
}  // namespace faultbench
