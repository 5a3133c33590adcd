// Every SIMD target this CPU runs gives the same bits (docs/SIMD.md): each kernel is run
// under every target in turn (set_simd_target) and its output compared byte for byte
// with the first target's and with the scalar reference. Inputs hold the values where
// vector code could diverge: NaN, +-inf, -0.0, subnormals, and sizes with tails.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "faultbench/error.h"
#include "faultbench/ops/batch_norm.h"
#include "faultbench/ops/conv2d.h"
#include "faultbench/ops/elementwise.h"
#include "faultbench/ops/linear.h"
#include "faultbench/ops/pool.h"
#include "faultbench/ops/simd_target.h"
#include "faultbench/util/parallel.h"
#include "ops/op_test_util.h"

namespace faultbench {
namespace {

using namespace faultbench::testing;
using ops::SimdTarget;

// Random values with special ones sprinkled in (every 7th element).
std::vector<float> hostile_floats(size_t n, uint32_t seed) {
  std::vector<float> v = random_floats(n, seed, -2.0f, 2.0f);
  const float special[] = {std::numeric_limits<float>::quiet_NaN(),
                           -0.0f,
                           0.0f,
                           std::numeric_limits<float>::infinity(),
                           -std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::denorm_min(),
                           -1e-39f,
                           3e38f};
  for (size_t i = seed % 7; i < n; i += 7) v[i] = special[(i / 7 + seed) % std::size(special)];
  return v;
}

// Resets the forced target when a test ends, whatever happens.
struct TargetGuard {
  ~TargetGuard() { ops::reset_simd_target(); }
};

// One named output per kernel run; the pool is shared, threads split only independent work.
using Outputs = std::vector<std::pair<std::string, std::vector<float>>>;

void run_linear(Outputs& out, ThreadPool* pool) {
  for (const auto& [batch, in, o] : {std::tuple{5, 37, 43}, std::tuple{8, 64, 10}, std::tuple{1, 3, 1}}) {
    const ops::LinearShape s{batch, in, o};
    const auto x = hostile_floats(size_t(batch) * in, 1), w = random_floats(size_t(o) * in, 2);
    const auto b = random_floats(size_t(o), 3);
    std::vector<float> y(size_t(batch) * o), ref(y.size());
    ops::linear_optimized(s, x.data(), ops::linear_pack(s, w.data()), b.data(), y.data(), pool);
    ops::linear_reference(s, x.data(), w.data(), b.data(), ref.data());
    EXPECT_EQ(first_difference_but_nans(y, ref), -1) << "linear " << in << "x" << o;
    out.emplace_back("linear " + std::to_string(in) + "x" + std::to_string(o), y);
  }
}

void run_batch_norm(Outputs& out, ThreadPool* pool) {
  for (const auto& [c, h, w] : {std::tuple{70, 1, 1}, std::tuple{33, 1, 2}, std::tuple{40, 2, 2}, std::tuple{9, 2, 4},
                                std::tuple{5, 4, 4}, std::tuple{6, 3, 3}, std::tuple{3, 8, 8}}) {
    const ops::BatchNormShape s{3, c, h, w};
    const auto x = hostile_floats(size_t(3) * c * h * w, 4);
    const auto wt = random_floats(size_t(c), 5), bias = random_floats(size_t(c), 6);
    const auto mean = random_floats(size_t(c), 7), var = random_floats(size_t(c), 8, 0.1f, 2.0f);
    for (const bool relu : {false, true}) {
      std::vector<float> y(x.size());
      ops::batch_norm2d_optimized(s, x.data(),
                                  ops::batch_norm2d_fold(c, wt.data(), bias.data(), mean.data(), var.data(), 1e-5),
                                  y.data(), pool, relu);
      out.emplace_back(
          "bn " + std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w) + (relu ? " relu" : ""), y);
    }
  }
}

void run_pools(Outputs& out, ThreadPool* pool) {
  for (const auto& [c, hw, k, st] : {std::tuple{3, 8, 8, 8}, std::tuple{5, 9, 2, 2}, std::tuple{7, 6, 3, 1}}) {
    const ops::Pool2dShape s{2, c, hw, hw, (hw - k) / st + 1, (hw - k) / st + 1, k, st, 0, false};
    const auto x = hostile_floats(size_t(2) * c * hw * hw, 9);
    std::vector<float> y(size_t(2) * c * s.out_h * s.out_w), ref(y.size());
    ops::avg_pool2d_optimized(s, x.data(), y.data(), pool);
    ops::avg_pool2d_reference(s, x.data(), ref.data());
    EXPECT_EQ(first_difference_but_nans(y, ref), -1) << "avg_pool " << hw << " k" << k;
    out.emplace_back("avg_pool " + std::to_string(hw) + " k" + std::to_string(k), y);
    ops::max_pool2d_optimized(s, x.data(), y.data(), pool);
    out.emplace_back("max_pool " + std::to_string(hw) + " k" + std::to_string(k), y);
  }
  for (const auto& [c, hw] : {std::tuple{37, 8}, std::tuple{16, 1}, std::tuple{5, 3}}) {
    const ops::GlobalPoolShape s{3, c, hw, hw};
    const auto x = hostile_floats(size_t(3) * c * hw * hw, 10);
    std::vector<float> y(size_t(3) * c), ref(y.size());
    ops::global_avg_pool_optimized(s, x.data(), y.data(), pool);
    ops::global_avg_pool_reference(s, x.data(), ref.data());
    EXPECT_EQ(first_difference_but_nans(y, ref), -1) << "global_avg_pool " << c << "x" << hw;
    out.emplace_back("global_avg_pool " + std::to_string(c) + "x" + std::to_string(hw), y);
  }
}

void run_elementwise(Outputs& out, ThreadPool* pool) {
  for (const int64_t n : {int64_t(1), int64_t(37), int64_t(70000)}) {
    const auto a = hostile_floats(size_t(n), 11), b = hostile_floats(size_t(n), 12);
    std::vector<float> y(static_cast<size_t>(n));
    ops::relu_optimized({n}, a.data(), y.data(), pool);
    out.emplace_back("relu " + std::to_string(n), y);
    ops::add_optimized({n}, a.data(), b.data(), y.data(), pool);
    out.emplace_back("add " + std::to_string(n), y);
  }
  // Bitmaps of differing positions, as floats (exact: the words are compared through bits).
  for (const int64_t positions : {int64_t(1), int64_t(19), int64_t(64), int64_t(200)}) {
    const int planes = 3;
    const auto a = hostile_floats(size_t(planes * positions), 13);
    auto b = a;
    for (size_t i = 0; i < b.size(); i += 5) b[i] = -b[i];  // NaN sign, +-0 and the rest: all differ bitwise
    std::vector<uint64_t> mask(size_t((positions + 63) / 64));
    ops::mark_bitwise_differences(a.data(), b.data(), planes, positions, mask.data());
    std::vector<float> as_floats(mask.size() * 2);
    std::memcpy(as_floats.data(), mask.data(), mask.size() * sizeof(uint64_t));
    for (int64_t p = 0; p < positions; ++p) {
      bool differs = false;
      for (int c = 0; c < planes; ++c)
        differs |= bits(a[size_t(c * positions + p)]) != bits(b[size_t(c * positions + p)]);
      EXPECT_EQ(differs, bool((mask[size_t(p / 64)] >> (p % 64)) & 1u)) << "position " << p << " of " << positions;
    }
    out.emplace_back("differences " + std::to_string(positions), as_floats);
  }
}

void run_conv(Outputs& out, ThreadPool* pool) {
  // Shapes that take the GEMM, channel-major, zero-skipping, padding-skipping and depthwise paths.
  struct C {
    int in_c, hw, out_c, k, st, p, g;
  };
  for (const C c : {C{16, 32, 16, 3, 1, 1, 1}, C{32, 8, 64, 3, 2, 1, 1}, C{64, 2, 32, 1, 1, 0, 1},
                    C{24, 4, 24, 3, 1, 1, 24}, C{6, 7, 10, 3, 1, 1, 2}, C{128, 4, 32, 3, 1, 1, 1}}) {
    const int oh = (c.hw + 2 * c.p - c.k) / c.st + 1;
    const ops::Conv2dShape s{2, c.in_c, c.hw, c.hw, c.out_c, oh, oh, c.k, c.st, c.p, c.g};
    auto x = hostile_floats(size_t(2) * c.in_c * c.hw * c.hw, 14);
    for (size_t i = 0; i < x.size(); i += 2) x[i] = 0.0f;  // post-ReLU-like zeros: the zero-skipping path
    const auto w = random_floats(size_t(c.out_c) * (c.in_c / c.g) * c.k * c.k, 15);
    const auto b = random_floats(size_t(c.out_c), 16);
    std::vector<float> y(size_t(2) * c.out_c * oh * oh);
    ops::conv2d_optimized(s, x.data(), ops::conv2d_pack(s, w.data()), b.data(), y.data(), pool);
    out.emplace_back("conv in" + std::to_string(c.in_c) + " " + std::to_string(c.hw) + " k" + std::to_string(c.k) +
                         " g" + std::to_string(c.g),
                     y);
  }
}

Outputs run_all(ThreadPool* pool) {
  Outputs out;
  run_linear(out, pool);
  run_batch_norm(out, pool);
  run_pools(out, pool);
  run_elementwise(out, pool);
  run_conv(out, pool);
  return out;
}

TEST(SimdTargets, EveryTargetGivesTheSameBits) {
  TargetGuard guard;
  ThreadPool pool(2);
  const std::vector<SimdTarget> targets = ops::simd_targets_supported();
  ASSERT_FALSE(targets.empty());
  EXPECT_EQ(targets.back(), SimdTarget::kScalar) << "the scalar reference runs everywhere";
  Outputs first;
  for (const SimdTarget t : targets) {
    SCOPED_TRACE(ops::simd_target_name(t));
    ops::set_simd_target(t);
    ASSERT_EQ(ops::simd_target(), t);
    const Outputs out = run_all(&pool);
    if (first.empty()) {
      first = out;
      continue;
    }
    ASSERT_EQ(out.size(), first.size());
    for (size_t i = 0; i < out.size(); ++i) {
      SCOPED_TRACE(out[i].first + " vs " + ops::simd_target_name(targets.front()));
      EXPECT_BITWISE_EQ(out[i].second, first[i].second);
    }
  }
  std::string tested;
  for (const SimdTarget t : targets) tested += std::string(" ") + ops::simd_target_name(t);
  RecordProperty("targets", tested);
  std::printf("compared the SIMD targets:%s\n", tested.c_str());
}

TEST(SimdTargets, LanesFollowTheTargetAndStalePacksAreRefused) {
  TargetGuard guard;
  const int lanes[] = {1, 4, 8, 16};  // by SimdTarget value
  for (const SimdTarget t : ops::simd_targets_supported()) {
    ops::set_simd_target(t);
    EXPECT_EQ(ops::simd_lanes(), lanes[int(t)]) << ops::simd_target_name(t);
  }
  const ops::LinearShape s{1, 4, 3};
  const std::vector<float> w(12, 1.0f), x(4, 1.0f);
  std::vector<float> y(3);
  ops::set_simd_target(SimdTarget::kScalar);
  const ops::LinearPacked scalar_pack = ops::linear_pack(s, w.data());
  EXPECT_EQ(scalar_pack.lanes, 1);
  if (ops::simd_targets_supported().front() != SimdTarget::kScalar) {
    ops::set_simd_target(ops::simd_targets_supported().front());
    EXPECT_THROW(ops::linear_optimized(s, x.data(), scalar_pack, nullptr, y.data(), nullptr), UsageError);
  }
}

TEST(SimdTargets, UnsupportedOrUnknownTargetsAreUsageErrors) {
  TargetGuard guard;
  const std::vector<SimdTarget> ok = ops::simd_targets_supported();
  for (const SimdTarget t : {SimdTarget::kScalar, SimdTarget::kNeon, SimdTarget::kAvx2, SimdTarget::kAvx512})
    if (std::find(ok.begin(), ok.end(), t) == ok.end()) {
      EXPECT_THROW(ops::set_simd_target(t), UsageError);
    }

  const char* saved = std::getenv("FAULTBENCH_SIMD");
  const std::string saved_value = saved ? saved : "";
  ::setenv("FAULTBENCH_SIMD", "sse9", 1);
  ops::reset_simd_target();
  try {
    ops::simd_target();
    ADD_FAILURE() << "FAULTBENCH_SIMD=sse9 accepted";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(),
                 "FAULTBENCH_SIMD=sse9: unknown SIMD target; the values are avx512, avx2, neon and scalar "
                 "(unset: the CPU's best)");
  }
  ::setenv("FAULTBENCH_SIMD", "scalar", 1);
  ops::reset_simd_target();
  EXPECT_EQ(ops::simd_target(), SimdTarget::kScalar);
#if defined(__x86_64__)
  ::setenv("FAULTBENCH_SIMD", "neon", 1);
  ops::reset_simd_target();
  try {
    ops::simd_target();
    ADD_FAILURE() << "FAULTBENCH_SIMD=neon accepted on x86-64";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("FAULTBENCH_SIMD=neon: this CPU (or this build) cannot run the neon kernels; "
                                         "it supports: "),
              std::string::npos)
        << e.what();
  }
#endif
  if (saved)
    ::setenv("FAULTBENCH_SIMD", saved_value.c_str(), 1);
  else
    ::unsetenv("FAULTBENCH_SIMD");
  ops::reset_simd_target();
  EXPECT_EQ(ops::simd_target(), saved ? ops::simd_target() : ok.front());
}

}  // namespace
}  // namespace faultbench
