// The conv epilogue's roundings (ConvEpilogue::round: the bf16/fp16 modes' Round nodes
// fused into the conv): on every path, with a pool and without, with a bitmap of needed
// positions, the output equals the unfused sequence computed element by element: v =
// R(conv + bias), v = R(v * alpha + beta), v = R(r + v), ReLU. The channels' scales push
// values past fp16's range and into its subnormals, bf16's range too, and the residual
// holds NaN and Inf, so that every branch of the vector roundings is taken.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "faultbench/error.h"
#include "faultbench/ops/conv2d.h"
#include "faultbench/ops/rounding.h"
#include "faultbench/util/parallel.h"
#include "ops/op_test_util.h"

namespace faultbench {
namespace {

using ops::Conv2dPath;
using ops::Conv2dShape;
using ops::Rounding;
using namespace faultbench::testing;

struct RoundCase {
  const char* name;
  Conv2dShape s;
  double zeros;  // share of +0 inputs (the zero-skipping paths need some)
  bool needed;
};

const RoundCase kCases[] = {
    {"depthwise", {2, 16, 9, 9, 16, 9, 9, 3, 1, 1, 16}, 0.0, false},
    {"taps_gemm", {2, 16, 4, 4, 48, 4, 4, 3, 1, 1, 1}, 0.5, false},
    {"sparse_gemm_needed", {2, 16, 8, 8, 64, 8, 8, 3, 1, 1, 1}, 0.6, true},
    {"channels_1x1", {2, 24, 4, 4, 64, 4, 4, 1, 1, 0, 1}, 0.0, false},
    {"gemm_strided", {2, 8, 16, 16, 40, 8, 8, 3, 2, 1, 1}, 0.0, false},
    {"plain_dilated", ops::conv2d_shape(2, 16, 8, 8, 16, 8, 8, Window2d{3, 3, 1, 1, 2, 2, 2, 2, 2, 2}, 16), 0.0, false},
};

std::ostream& operator<<(std::ostream& os, const RoundCase& c) { return os << c.name; }

class Conv2dRounding : public ::testing::TestWithParam<RoundCase> {};

TEST_P(Conv2dRounding, EveryPathRoundsWhereTheUnfusedSequenceDoes) {
  const RoundCase& c = GetParam();
  const Conv2dShape& s = c.s;
  const Window2d win = s.window();
  const int64_t P = int64_t(s.out_h) * s.out_w, words = (P + 63) / 64;
  const size_t out_n = size_t(s.batch) * s.out_c * P;
  std::vector<float> x = random_floats(size_t(s.batch) * s.in_c * s.in_h * s.in_w, 1);
  std::mt19937 rng(9);
  for (float& v : x)
    if (rng() % 100 < c.zeros * 100) v = 0.0f;
  const auto w = random_floats(size_t(s.out_c) * (s.in_c / s.groups) * win.kernel_h * win.kernel_w, 2);
  const auto b = random_floats(size_t(s.out_c), 3);
  // Per-channel scales from tiny (fp16 subnormals, zeros) to huge (fp16 and bf16 overflow).
  const float scales[] = {1.0f, 3e4f, 1e-5f, -2.0f, 1e-7f, 5e37f, 1e5f, 0.37f};
  std::vector<float> alpha(size_t(s.out_c)), beta = random_floats(size_t(s.out_c), 4, -1e-6f, 1e-6f);
  for (int co = 0; co < s.out_c; ++co) alpha[size_t(co)] = scales[co % 8];
  std::vector<float> res = random_floats(out_n, 5, -2.0f, 2.0f);
  for (size_t i = 0; i < out_n; i += 37) res[i] = i % 2 ? std::numeric_limits<float>::quiet_NaN() : -INFINITY;
  std::vector<float> conv(out_n);
  ops::conv2d_reference(s, x.data(), w.data(), b.data(), conv.data());
  auto pack = ops::conv2d_pack(s, w.data());
  ThreadPool pool(2);
  for (const Rounding r : {Rounding::Bf16, Rounding::Fp16})
    for (const bool residual_first : {false, true}) {
      SCOPED_TRACE(std::string(r == Rounding::Bf16 ? "bf16" : "fp16") + (residual_first ? " r + v" : " v + r"));
      ops::ConvEpilogue epi;
      epi.alpha = alpha.data();
      epi.beta = beta.data();
      epi.residual = res.data();
      epi.residual_first = residual_first;
      epi.relu = true;
      epi.round = r;
      std::vector<float> want(out_n);
      for (size_t i = 0; i < out_n; ++i) {
        const int co = int(i / size_t(P) % size_t(s.out_c));
        float v = ops::round_value(r, conv[i]);
        const float scaled = v * alpha[size_t(co)];
        v = ops::round_value(r, scaled + beta[size_t(co)]);
        v = ops::round_value(r, residual_first ? res[i] + v : v + res[i]);
        want[i] = v < 0.0f ? 0.0f : v;
      }
      // Needed: a third of the positions; fill: the expected values.
      std::vector<uint64_t> needed(size_t(s.batch * words), 0);
      std::vector<const float*> fill;
      for (int n = 0; n < s.batch; ++n) {
        fill.push_back(want.data() + size_t(n) * s.out_c * P);
        for (int64_t q = 0; q < P; ++q)
          if (rng() % 3 == 0) needed[size_t(n * words + q / 64)] |= uint64_t(1) << (q % 64);
      }
      const uint64_t* need = c.needed ? needed.data() : nullptr;
      const float* const* fills = c.needed ? fill.data() : nullptr;
      int ran = 0;
      for (const Conv2dPath path : ops::kConv2dPaths) {
        if (!ops::conv2d_path_available(pack, path)) continue;
        SCOPED_TRACE(ops::conv2d_path_name(path));
        for (ThreadPool* q : {static_cast<ThreadPool*>(nullptr), &pool}) {
          std::vector<float> y(out_n, 7.0f);
          ops::conv2d_run_path(path, s, x.data(), pack, b.data(), y.data(), q, epi, need, fills);
          EXPECT_BITWISE_EQ(want, y);
          ++ran;
        }
      }
      EXPECT_GE(ran, 2);
    }
}

INSTANTIATE_TEST_SUITE_P(EveryPath, Conv2dRounding, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<RoundCase>& info) { return std::string(info.param.name); });

TEST(Conv2dRounding, SegmentsRoundOnlyWhenTheyFinish) {
  // The sums of a 1x1 conv in two slices: the first slice's raw sums are not rounded, the
  // finishing one rounds as the whole conv does.
  if (!vector_build()) GTEST_SKIP() << "the segment kernel needs the channel-major weights of vector builds";
  const Conv2dShape s{2, 24, 4, 4, 64, 4, 4, 1, 1, 0, 1};
  const size_t out_n = size_t(s.batch) * s.out_c * 16;
  const auto x = random_floats(size_t(s.batch) * s.in_c * 16, 6);
  const auto w = random_floats(size_t(s.out_c) * s.in_c, 7);
  const auto b = random_floats(size_t(s.out_c), 8);
  auto pack = ops::conv2d_pack(s, w.data());
  ASSERT_TRUE(pack.sparse_capable());
  for (const Rounding r : {Rounding::Bf16, Rounding::Fp16}) {
    ops::ConvEpilogue epi;
    epi.round = r;
    epi.relu = true;
    std::vector<float> whole(out_n), partial(out_n), y(out_n);
    ops::conv2d_optimized(s, x.data(), pack, b.data(), whole.data(), nullptr, epi);
    ops::conv2d_segment_optimized(s, x.data(), pack, b.data(), partial.data(), nullptr, epi, {0, 10, nullptr, false});
    ops::conv2d_segment_optimized(s, x.data(), pack, b.data(), y.data(), nullptr, epi,
                                  {10, s.in_c, partial.data(), true});
    EXPECT_BITWISE_EQ(whole, y);
    int64_t unrounded = 0;
    for (float v : partial) unrounded += ops::round_value(r, v) != v;
    EXPECT_GT(unrounded, 0);
  }
}

}  // namespace
}  // namespace faultbench
