// The conv2d path choice (choose_conv2d_path) against the paths that actually run: for
// every Conv2dPath a case that the chooser maps to it, run through the dispatcher, which
// must report that path and give the reference's bits. A kernel-variant test can so no
// longer pass while another path runs (the old sparse tests did with 2 threads and
// batch x groups < 4). Then every path that can compute a case, run directly, with and
// without a pool: the same bits again.
#include <algorithm>
#include <limits>
#include <random>
#include <string>

#include "faultbench/error.h"
#include "faultbench/ops/conv2d.h"
#include "faultbench/util/parallel.h"
#include "ops/op_test_util.h"

namespace faultbench {
namespace {

using ops::Conv2dPath;
using ops::Conv2dShape;
using ops::ConvSparsity;
using namespace faultbench::testing;

struct PathCase {
  const char* name;
  Conv2dPath expect;
  Conv2dShape s;
  double zeros = 0.0;   // share of +-0 inputs (as behind a ReLU); 0: dense random
  int threads = 1;      // 1: no pool
  bool needed = false;  // a bitmap of needed positions, the others from fill rows
  ConvSparsity sparsity = ConvSparsity::Auto;
};

std::ostream& operator<<(std::ostream& os, const PathCase& c) { return os << c.name; }

// Zero-skipping cases: 8x8 maps (not channel-major), at least 32 output channels per group.
const PathCase kCases[] = {
    {"empty_batch", Conv2dPath::None, {0, 16, 8, 8, 64, 8, 8, 3, 1, 1, 1}},
    {"depthwise", Conv2dPath::Depthwise, {2, 16, 9, 9, 16, 9, 9, 3, 1, 1, 16}},
    {"depthwise_2_threads_post_relu", Conv2dPath::Depthwise, {1, 32, 8, 8, 64, 4, 4, 3, 2, 1, 32}, 0.7, 2},
    {"taps_2x2_map", Conv2dPath::Taps, {3, 16, 2, 2, 32, 2, 2, 3, 1, 1, 1}},
    {"taps_4x4_map_2_threads_one_image", Conv2dPath::Taps, {1, 16, 4, 4, 48, 4, 4, 3, 1, 1, 1}, 0.7, 2},
    {"sparse_post_relu", Conv2dPath::Sparse, {1, 16, 8, 8, 64, 8, 8, 3, 1, 1, 1}, 0.7},
    {"sparse_2_threads_4_pairs", Conv2dPath::Sparse, {2, 16, 8, 8, 64, 8, 8, 3, 1, 1, 2}, 0.7, 2},
    {"sparse_always_dense_input",
     Conv2dPath::Sparse,
     {2, 16, 8, 8, 64, 8, 8, 3, 1, 1, 1},
     0.0,
     1,
     false,
     ConvSparsity::Always},
    {"sparse_needed_positions", Conv2dPath::Sparse, {2, 16, 8, 8, 64, 8, 8, 3, 1, 1, 1}, 0.0, 1, true},
    {"sparse_needed_small_map", Conv2dPath::Sparse, {2, 16, 2, 2, 32, 2, 2, 3, 1, 1, 1}, 0.6, 1, true},
    // The case the old tests missed: 2 threads and one (image, group) pair.
    {"gemm_2_threads_1_pair_post_relu", Conv2dPath::Gemm, {1, 16, 8, 8, 64, 8, 8, 3, 1, 1, 1}, 0.7, 2},
    {"gemm_2_threads_3_pairs_always",
     Conv2dPath::Gemm,
     {3, 16, 8, 8, 64, 8, 8, 3, 1, 1, 1},
     0.7,
     2,
     false,
     ConvSparsity::Always},
    {"gemm_dense", Conv2dPath::Gemm, {2, 8, 16, 16, 40, 8, 8, 3, 2, 1, 1}},
    {"gemm_never", Conv2dPath::Gemm, {1, 16, 8, 8, 64, 8, 8, 3, 1, 1, 1}, 0.7, 1, false, ConvSparsity::Never},
    // (4 output channels: fewer than two vectors on every SIMD target, NEON's 4 lanes included.)
    {"gemm_few_channels_needed", Conv2dPath::Gemm, {2, 8, 8, 8, 4, 8, 8, 3, 1, 1, 1}, 0.7, 1, true},
    {"channels_1x1_on_4x4", Conv2dPath::Channels, {2, 24, 4, 4, 64, 4, 4, 1, 1, 0, 1}},
    {"channels_2_threads_1_pair_post_relu", Conv2dPath::Channels, {1, 32, 4, 4, 64, 4, 4, 1, 1, 0, 1}, 0.7, 2},
    {"channels_never_no_taps",
     Conv2dPath::Channels,
     {2, 16, 2, 2, 32, 2, 2, 3, 1, 1, 1},
     0.0,
     1,
     false,
     ConvSparsity::Never},
    // Windows that are not square (here: dilation 2): depthwise takes the plain loops,
    // anything else the GEMM kernel, whatever the zeros, threads or bitmap.
    {"plain_depthwise_dilated_window", Conv2dPath::Plain,
     ops::conv2d_shape(2, 16, 8, 8, 16, 8, 8, Window2d{3, 3, 1, 1, 2, 2, 2, 2, 2, 2}, 16), 0.7, 2},
    {"gemm_dilated_window_needed", Conv2dPath::Gemm,
     ops::conv2d_shape(2, 16, 8, 8, 64, 8, 8, Window2d{3, 3, 1, 1, 2, 2, 2, 2, 2, 2}, 1), 0.7, 1, true},
    {"gemm_asymmetric_pads_small_map", Conv2dPath::Gemm,
     ops::conv2d_shape(2, 16, 3, 3, 32, 3, 3, Window2d{3, 3, 1, 1, 1, 1, 1, 0, 1, 2}, 1)},
};

// ReLU-like values: about `zeros` of them +0 (a few -0), the rest in (-1, 1) or, with
// zeros, positive.
std::vector<float> inputs(size_t n, uint32_t seed, double zeros) {
  if (zeros == 0.0) return random_floats(n, seed);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& f : v) {
    const float r = u(rng);
    f = r < zeros ? (r < zeros * 0.05 ? -0.0f : 0.0f) : u(rng) * 2.0f;
  }
  return v;
}

class Conv2dPaths : public ::testing::TestWithParam<PathCase> {};

TEST_P(Conv2dPaths, DispatcherRunsTheChosenPathWithTheReferenceBits) {
  const PathCase& c = GetParam();
  const bool vector_path =
      c.expect == Conv2dPath::Taps || c.expect == Conv2dPath::Sparse || c.expect == Conv2dPath::Channels;
  if (vector_path && !vector_build()) GTEST_SKIP() << "the channel-major paths exist in vector builds";
  const Conv2dShape& s = c.s;
  const size_t out_n = size_t(s.batch) * s.out_c * s.out_h * s.out_w;
  const int64_t P = int64_t(s.out_h) * s.out_w, words = (P + 63) / 64;
  const auto x = inputs(size_t(s.batch) * s.in_c * s.in_h * s.in_w, 1, c.zeros);
  const auto w = random_floats(size_t(s.out_c) * (s.in_c / s.groups) * s.kernel * s.kernel, 2);
  const auto b = random_floats(size_t(s.out_c), 3);
  std::vector<float> ref(out_n);
  ops::conv2d_reference(s, x.data(), w.data(), b.data(), ref.data());
  auto pack = ops::conv2d_pack(s, w.data());
  pack.set_sparsity(c.sparsity);
  ThreadPool pool(std::max(c.threads, 1));
  ThreadPool* p = c.threads > 1 ? &pool : nullptr;
  // Needed: a third of the positions; fill: the reference, so every output must match it.
  std::vector<uint64_t> needed(size_t(std::max<int64_t>(s.batch * words, 1)), 0);
  std::vector<const float*> fill;
  std::mt19937 rng(4);
  for (int n = 0; n < s.batch; ++n) {
    fill.push_back(ref.data() + size_t(n) * s.out_c * P);
    for (int64_t q = 0; q < P; ++q)
      if (rng() % 3 == 0) needed[size_t(n * words + q / 64)] |= uint64_t(1) << (q % 64);
  }
  const uint64_t* need = c.needed ? needed.data() : nullptr;
  const float* const* fills = c.needed ? fill.data() : nullptr;

  EXPECT_EQ(ops::choose_conv2d_path(pack, {s.batch, c.threads, c.needed, x.data()}), c.expect);
  std::vector<float> y(out_n, 7.0f);
  const Conv2dPath ran = ops::conv2d_optimized(s, x.data(), pack, b.data(), y.data(), p, {}, need, fills);
  EXPECT_EQ(ops::conv2d_path_name(ran), std::string(ops::conv2d_path_name(c.expect)));
  EXPECT_BITWISE_EQ(ref, y);

  // Every path that can compute the layer, whatever the chooser says: same bits.
  int available = 0;
  for (const Conv2dPath path : ops::kConv2dPaths) {
    SCOPED_TRACE(ops::conv2d_path_name(path));
    if (!ops::conv2d_path_available(pack, path)) {
      EXPECT_THROW(ops::conv2d_run_path(path, s, x.data(), pack, b.data(), y.data(), p, {}, need, fills), UsageError);
      continue;
    }
    ++available;
    for (ThreadPool* q : {static_cast<ThreadPool*>(nullptr), &pool}) {
      std::fill(y.begin(), y.end(), 7.0f);
      ops::conv2d_run_path(path, s, x.data(), pack, b.data(), y.data(), q, {}, need, fills);
      EXPECT_BITWISE_EQ(ref, y);
    }
  }
  EXPECT_GE(available, 1);
  if (c.expect != Conv2dPath::None) {
    EXPECT_TRUE(ops::conv2d_path_available(pack, c.expect));
  }
}

INSTANTIATE_TEST_SUITE_P(EveryPath, Conv2dPaths, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<PathCase>& info) { return std::string(info.param.name); });

TEST(Conv2dPaths, EveryPathHasACase) {
  // A new Conv2dPath needs a case above (None included).
  for (const Conv2dPath path : ops::kConv2dPaths) {
    EXPECT_TRUE(std::any_of(std::begin(kCases), std::end(kCases), [&](const PathCase& c) { return c.expect == path; }))
        << ops::conv2d_path_name(path);
  }
  EXPECT_TRUE(std::any_of(std::begin(kCases), std::end(kCases),
                          [](const PathCase& c) { return c.expect == Conv2dPath::None; }));
}

TEST(Conv2dPaths, StepQueryFollowsTheChooser) {
  // What the executor asks before giving a conv step a bitmap (Executor::step_skips_positions):
  // the zero-skipping path for a single-threaded call with one, whatever the input.
  if (!vector_build()) GTEST_SKIP() << "the zero-skipping path exists in vector builds";
  const Conv2dShape s{1, 16, 8, 8, 64, 8, 8, 3, 1, 1, 1};
  auto w = random_floats(size_t(64) * 16 * 9, 5);
  auto pack = ops::conv2d_pack(s, w.data());
  ops::Conv2dCall call;
  call.needed = true;
  EXPECT_EQ(ops::choose_conv2d_path(pack, call), Conv2dPath::Sparse);
  pack.set_sparsity(ConvSparsity::Never);
  EXPECT_EQ(ops::choose_conv2d_path(pack, call), Conv2dPath::Gemm);
  pack.set_sparsity(ConvSparsity::Auto);
  ops::conv2d_pack_set(pack, 7, std::numeric_limits<float>::infinity());  // Inf * 0 is NaN: no skipping
  EXPECT_EQ(ops::choose_conv2d_path(pack, call), Conv2dPath::Gemm);
  EXPECT_FALSE(ops::conv2d_path_available(pack, Conv2dPath::Sparse));
}

}  // namespace
}  // namespace faultbench
