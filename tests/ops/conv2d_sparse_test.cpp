// The zero-skipping conv path (src/ops/conv2d/sparse.cpp) against the scalar reference,
// bit for bit: inputs behind a ReLU (mostly +0, some -0), every block shape (tails,
// blocks across rows, 1x1 direct reads, strides, groups), fused epilogues, and the cases
// where skipping would be wrong (an underflow to -0, non-finite weights). Every run through
// the dispatcher checks the path it took (conv2d_optimized's answer), so a case that runs
// another kernel fails instead of passing untested.
#include <cmath>
#include <limits>
#include <random>

#include "faultbench/error.h"
#include "faultbench/ops/conv2d.h"
#include "faultbench/ops/simd_target.h"
#include "faultbench/util/parallel.h"
#include "ops/op_test_util.h"

namespace faultbench {
namespace {

using ops::Conv2dPath;
using ops::Conv2dShape;
using ops::ConvSparsity;
using namespace faultbench::testing;

// A packed layer that takes the zero-skipping kernel whenever the layer allows it.
ops::Conv2dPacked pack_always(const Conv2dShape& s, const std::vector<float>& w) {
  auto pack = ops::conv2d_pack(s, w.data());
  pack.set_sparsity(ConvSparsity::Always);
  return pack;
}

// ReLU-like activations: about `zeros` of the values +0, a few -0, the rest positive.
std::vector<float> activations(size_t n, uint32_t seed, double zeros) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& f : v) {
    const float r = u(rng);
    f = r < zeros ? (r < zeros * 0.05 ? -0.0f : 0.0f) : u(rng) * 2.0f;
  }
  return v;
}

// The path under test; scalar builds have no channel-major kernels, and run the GEMM path.
// (Read once at start-up: FAULTBENCH_SIMD=scalar has no zero-skipping path.)
const Conv2dPath kSparse = vector_build() ? Conv2dPath::Sparse : Conv2dPath::Gemm;

// Through the dispatcher, which must take `expect`.
std::vector<float> run(Conv2dPath expect, const Conv2dShape& s, const std::vector<float>& x,
                       const ops::Conv2dPacked& pack, const float* bias, ThreadPool* pool,
                       const ops::ConvEpilogue& e = {}) {
  std::vector<float> y(size_t(s.batch) * s.out_c * s.out_h * s.out_w, 7.0f);
  const Conv2dPath ran = ops::conv2d_optimized(s, x.data(), pack, bias, y.data(), pool, e);
  EXPECT_STREQ(ops::conv2d_path_name(ran), ops::conv2d_path_name(expect));
  return y;
}

// The zero-skipping kernel itself, whatever the dispatcher would choose.
std::vector<float> run_sparse(const Conv2dShape& s, const std::vector<float>& x, const ops::Conv2dPacked& pack,
                              const float* bias, ThreadPool* pool) {
  std::vector<float> y(size_t(s.batch) * s.out_c * s.out_h * s.out_w, 7.0f);
  ops::conv2d_run_path(Conv2dPath::Sparse, s, x.data(), pack, bias, y.data(), pool);
  return y;
}

TEST(Conv2dSparse, RandomShapeSweepBitwise) {
  std::mt19937 rng(5);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  ThreadPool pool(2);
  int sparse_capable = 0, sparse_runs = 0;
  for (int iter = 0; iter < 50; ++iter) {
    const int k = std::vector<int>{1, 3, 5}[size_t(pick(0, 2))];
    const int stride = pick(1, 2), pad = pick(0, k / 2), groups = pick(1, 2);
    // At least two input channels per group: one would be a depthwise conv.
    const int in_c = groups * pick(2, 12), out_c = groups * pick(32, 80);
    const int h = pick(std::max(1, k - 2 * pad), 18), w = pick(std::max(1, k - 2 * pad), 18);
    const Conv2dShape s{
        pick(1, 5), in_c,   h,   w,     out_c, (h + 2 * pad - k) / stride + 1, (w + 2 * pad - k) / stride + 1,
        k,          stride, pad, groups};
    const auto x = activations(size_t(s.batch) * in_c * h * w, 100 + uint32_t(iter), 0.3 + 0.01 * iter);
    const auto wt = random_floats(size_t(out_c) * (in_c / groups) * k * k, 200 + uint32_t(iter));
    const auto b = random_floats(size_t(out_c), 300 + uint32_t(iter));
    const float* bias = iter % 2 ? b.data() : nullptr;
    std::vector<float> ref(size_t(s.batch) * out_c * s.out_h * s.out_w);
    ops::conv2d_reference(s, x.data(), wt.data(), bias, ref.data());
    const auto pack = pack_always(s, wt);
    sparse_capable += pack.sparse_capable();
    SCOPED_TRACE("iter " + std::to_string(iter) + ": " + std::to_string(in_c) + "x" + std::to_string(h) + "x" +
                 std::to_string(w) + " -> " + std::to_string(out_c) + " k" + std::to_string(k) + " s" +
                 std::to_string(stride) + " p" + std::to_string(pad) + " g" + std::to_string(groups));
    EXPECT_BITWISE_EQ(ref, run(kSparse, s, x, pack, bias, nullptr));
    sparse_runs += vector_build();
    // Two threads split the kernel's work by (image, group) only: with fewer than 4 pairs
    // the dispatcher takes a dense kernel (choose_conv2d_path), and the zero-skipping one
    // is run directly, so that it is tested with the pool in every case.
    if (s.batch * groups >= 4 || !vector_build()) {
      EXPECT_BITWISE_EQ(ref, run(kSparse, s, x, pack, bias, &pool));
    } else {
      EXPECT_NE(ops::choose_conv2d_path(pack, {s.batch, 2, false, x.data()}), Conv2dPath::Sparse);
      EXPECT_BITWISE_EQ(ref, run_sparse(s, x, pack, bias, &pool));
    }
    sparse_runs += vector_build();
  }
  EXPECT_EQ(sparse_capable, vector_build() ? 50 : 0);  // every case took the path under test
  EXPECT_EQ(sparse_runs, vector_build() ? 100 : 0);
}

TEST(Conv2dSparse, FusedEpilogueEqualsUnfusedChain) {
  // Step lists by row masks (8x8, 16x16 stride 2) and generically (7x7: blocks across
  // rows; 66x66: rows over 64 floats).
  for (const Conv2dShape s :
       {Conv2dShape{2, 16, 8, 8, 64, 8, 8, 3, 1, 1, 1}, Conv2dShape{3, 24, 16, 16, 48, 8, 8, 3, 2, 1, 1},
        Conv2dShape{2, 40, 7, 7, 36, 7, 7, 1, 1, 0, 1}, Conv2dShape{1, 4, 66, 66, 32, 66, 66, 3, 1, 1, 1}}) {
    auto x = activations(size_t(s.batch) * s.in_c * s.in_h * s.in_w, 11, 0.7);
    x[5] = std::numeric_limits<float>::quiet_NaN();
    x[77] = std::numeric_limits<float>::infinity();
    const auto w = random_floats(size_t(s.out_c) * s.in_c * s.kernel * s.kernel, 12);
    const auto alpha = random_floats(size_t(s.out_c), 13), beta = random_floats(size_t(s.out_c), 14);
    const size_t n = size_t(s.batch) * s.out_c * s.out_h * s.out_w, plane = size_t(s.out_h) * s.out_w;
    const auto res = random_floats(n, 15);
    std::vector<float> conv(n);
    ops::conv2d_reference(s, x.data(), w.data(), nullptr, conv.data());
    const auto pack = pack_always(s, w);
    for (int variant = 0; variant < 3; ++variant) {
      ops::ConvEpilogue e;
      e.alpha = alpha.data();
      e.beta = beta.data();
      e.residual = variant >= 1 ? res.data() : nullptr;
      e.residual_first = variant == 2;
      e.relu = true;
      std::vector<float> expect(n);
      for (size_t i = 0; i < n; ++i) {
        const size_t co = (i / plane) % size_t(s.out_c);
        float v = conv[i] * alpha[co];
        v = v + beta[co];
        if (e.residual) v = e.residual_first ? res[i] + v : v + res[i];
        expect[i] = v < 0.0f ? 0.0f : v;
      }
      EXPECT_BITWISE_EQ(expect, run(kSparse, s, x, pack, nullptr, nullptr, e));
    }
  }
}

TEST(Conv2dSparse, UnderflowToNegativeZeroIsRecomputed) {
  // Output (co, 0, 0) of a 3x3 conv: its first tap is the padding (x = 0, skipped), the
  // centre tap underflows to -0 (-1e-30 * 1e-30), the taps after it read zeros again. The
  // reference turns -0 back into +0 at the next zero input with a positive weight;
  // skipping those steps would keep -0.
  // Two input channels (one would be a depthwise conv); the second holds zeros only.
  const Conv2dShape s{1, 2, 4, 4, 32, 4, 4, 3, 1, 1, 1};
  std::vector<float> x(32, 0.0f);
  x[0] = 1e-30f;
  std::vector<float> w(size_t(32) * 18, 1.0f);
  for (int co = 0; co < 32; ++co) w[size_t(co) * 18 + 4] = -1e-30f;  // channel 0, centre tap
  std::vector<float> ref(size_t(32) * 16);                           // [32][4][4]
  ops::conv2d_reference(s, x.data(), w.data(), nullptr, ref.data());
  ASSERT_EQ(ref[0], 0.0f);
  ASSERT_FALSE(std::signbit(ref[0])) << "the reference must end at +0 for this test to mean anything";
  const auto pack = pack_always(s, w);
  ASSERT_EQ(pack.sparse_capable(), vector_build());
  EXPECT_BITWISE_EQ(ref, run(kSparse, s, x, pack, nullptr, nullptr));
}

TEST(Conv2dSparse, NonFiniteWeightIsNeverSkipped) {
  // Inf * 0 is NaN: with an Inf weight the zero inputs must still be multiplied.
  const Conv2dShape s{2, 8, 6, 6, 32, 6, 6, 3, 1, 1, 1};
  const auto x = activations(size_t(2) * 8 * 36, 21, 0.8);
  auto w = random_floats(size_t(32) * 8 * 9, 22);
  w[3] = std::numeric_limits<float>::infinity();
  std::vector<float> ref(size_t(2) * 32 * 36);
  ops::conv2d_reference(s, x.data(), w.data(), nullptr, ref.data());
  auto pack = pack_always(s, w);
  EXPECT_EQ(pack.nonfinite(), 1);
  // A 6x6 map: the channel-major kernel, which skips nothing.
  const auto got = run(vector_build() ? Conv2dPath::Channels : Conv2dPath::Gemm, s, x, pack, nullptr, nullptr);
  EXPECT_FALSE(ops::conv2d_path_available(pack, Conv2dPath::Sparse));
  EXPECT_EQ(first_difference_but_nans(ref, got), -1);
  EXPECT_GT(count_nans(ref), 0);
  // Restoring the weight in place makes the layer skippable again.
  w[3] = 0.5f;
  ops::conv2d_pack_set(pack, 3, w[3]);
  EXPECT_EQ(pack.nonfinite(), 0);
  ops::conv2d_reference(s, x.data(), w.data(), nullptr, ref.data());
  EXPECT_BITWISE_EQ(ref, run(kSparse, s, x, pack, nullptr, nullptr));
}

TEST(Conv2dSparse, EveryPolicyGivesTheSameBits) {
  // One batch whose images range from dense to nearly all zeros, so that Auto sends some
  // to the GEMM kernel and keeps others (a 1x1 conv reads its input directly: both cases).
  // Auto judges the batch by its first image: dense first, it takes the GEMM kernel; in
  // the reverse order, the zero-skipping kernel, which sends the dense images on to GEMM.
  for (const Conv2dShape s :
       {Conv2dShape{5, 64, 8, 8, 64, 8, 8, 3, 1, 1, 1}, Conv2dShape{5, 48, 8, 8, 64, 8, 8, 1, 1, 0, 1}}) {
    for (const bool sparse_first : {false, true}) {
      SCOPED_TRACE(sparse_first ? "sparsest image first" : "densest image first");
      const size_t image = size_t(s.in_c) * s.in_h * s.in_w;
      std::vector<float> x;
      for (int i = 0; i < s.batch; ++i) {
        const auto xi = activations(image, 31 + uint32_t(i), 0.2 * (sparse_first ? s.batch - 1 - i : i));
        x.insert(x.end(), xi.begin(), xi.end());
      }
      const auto w = random_floats(size_t(s.out_c) * s.in_c * s.kernel * s.kernel, 32);
      std::vector<float> ref(size_t(s.batch) * s.out_c * s.out_h * s.out_w);
      ops::conv2d_reference(s, x.data(), w.data(), nullptr, ref.data());
      auto pack = ops::conv2d_pack(s, w.data());
      ThreadPool pool(2);  // 5 (image, group) pairs: enough for the zero-skipping kernel
      const Conv2dPath gemm = Conv2dPath::Gemm, auto_path = sparse_first ? kSparse : gemm;
      std::vector<std::vector<float>> out;
      for (const auto& [p, expect] : {std::pair{ConvSparsity::Never, gemm}, std::pair{ConvSparsity::Always, kSparse},
                                      std::pair{ConvSparsity::Auto, auto_path}}) {
        pack.set_sparsity(p);
        out.push_back(run(expect, s, x, pack, nullptr, nullptr));
        out.push_back(run(expect, s, x, pack, nullptr, &pool));
      }
      for (size_t i = 1; i < out.size(); ++i) EXPECT_BITWISE_EQ(out[0], out[i]);
      EXPECT_BITWISE_EQ(ref, out[0]);
    }
  }
}

TEST(Conv2dSparse, UnneededPositionsComeFromTheFillRows) {
  if (!vector_build()) GTEST_SKIP() << "the zero-skipping path exists on vector SIMD targets (FAULTBENCH_SIMD=scalar)";
  // Positions whose bit is clear may be copied from fill instead of computed: a fill of
  // 7.0 shows which were; every needed position has the reference's bits.
  for (const Conv2dShape s :
       {Conv2dShape{3, 32, 8, 8, 64, 8, 8, 3, 1, 1, 1}, Conv2dShape{2, 24, 7, 7, 32, 7, 7, 3, 1, 1, 1}}) {
    const auto x = activations(size_t(s.batch) * s.in_c * s.in_h * s.in_w, 41, 0.6);
    const auto w = random_floats(size_t(s.out_c) * s.in_c * 9, 42);
    std::vector<float> ref(size_t(s.batch) * s.out_c * s.out_h * s.out_w);
    ops::conv2d_reference(s, x.data(), w.data(), nullptr, ref.data());
    const int64_t P = int64_t(s.out_h) * s.out_w, words = (P + 63) / 64;
    std::vector<uint64_t> needed(size_t(s.batch * words), 0);
    std::mt19937 rng(43);
    for (int n = 0; n < s.batch; ++n)
      for (int64_t p = 0; p < P; ++p)
        if (n == 1 ? false : rng() % 3 == 0)
          needed[size_t(n * words + p / 64)] |= uint64_t(1) << (p % 64);  // image 1: none
    const std::vector<float> sevens(size_t(s.out_c) * P, 7.0f);
    const std::vector<const float*> fill(size_t(s.batch), sevens.data());
    const auto pack = ops::conv2d_pack(s, w.data());
    std::vector<float> y(ref.size(), -1.0f);
    EXPECT_EQ(ops::conv2d_optimized(s, x.data(), pack, nullptr, y.data(), nullptr, {}, needed.data(), fill.data()),
              kSparse);
    int64_t copied = 0;
    for (int n = 0; n < s.batch; ++n)
      for (int co = 0; co < s.out_c; ++co)
        for (int64_t p = 0; p < P; ++p) {
          const size_t i = (size_t(n) * s.out_c + co) * P + p;
          const bool need = (needed[size_t(n * words + p / 64)] >> (p % 64)) & 1u;
          if (need || y[i] != 7.0f) {
            ASSERT_EQ(bits(y[i]), bits(ref[i])) << "image " << n << " channel " << co << " position " << p;
          } else {
            ++copied;
          }
        }
    EXPECT_GE(copied, int64_t(s.out_c) * P) << "image 1 needs nothing: all of it comes from fill";
    EXPECT_THROW(ops::conv2d_optimized(s, x.data(), pack, nullptr, y.data(), nullptr, {}, needed.data(), nullptr),
                 UsageError);
  }
}

// The step lists under every vector target the CPU runs (AVX2 builds them from per-row
// byte tables when out_w % 4 == 0, AVX-512 from row masks when the rows fit, the generic
// loop otherwise): rows of NaN (live: NaN != 0) and of -0 (dead) among sparse ReLU
// outputs, widths with one and two 8-block chunks per row and one with blocks across
// rows. A live step left out of a list would lose a NaN or a product.
TEST(Conv2dSparse, StepListsKeepNaNAndSkipNegativeZeroOnEveryTarget) {
  struct Reset {
    ~Reset() { ops::reset_simd_target(); }
  } reset;
  const bool forced_scalar = !vector_build();
  int runs = 0;
  for (const ops::SimdTarget t : ops::simd_targets_supported()) {
    ops::set_simd_target(t);
    if (ops::simd_lanes() == 1) continue;  // no zero-skipping path
    for (const int w : {8, 16, 36, 64, 70, 13}) {
      const Conv2dShape s{2, 6, 5, w, 40, 5, w, 3, 1, 1, 1};
      auto x = activations(size_t(s.batch) * s.in_c * s.in_h * w, 900 + uint32_t(w), 0.85);
      const int64_t rows = int64_t(s.batch) * s.in_c * s.in_h;
      for (int64_t r = 0; r < rows; ++r) {
        float* row = x.data() + r * w;
        if (r % 7 == 3) std::fill(row, row + w, -0.0f);
        if (r % 11 == 5) row[(r * 5) % w] = std::numeric_limits<float>::quiet_NaN();
      }
      const auto wt = random_floats(size_t(s.out_c) * s.in_c * 9, 950 + uint32_t(w));
      std::vector<float> ref(size_t(s.batch) * s.out_c * s.out_h * w);
      ops::conv2d_reference(s, x.data(), wt.data(), nullptr, ref.data());
      const auto pack = pack_always(s, wt);
      ASSERT_TRUE(pack.sparse_capable());
      const auto y = run_sparse(s, x, pack, nullptr, nullptr);
      SCOPED_TRACE(std::string(ops::simd_target_name(t)) + " width " + std::to_string(w));
      EXPECT_GT(count_nans(ref), 0);
      EXPECT_EQ(count_nans(y), count_nans(ref));
      EXPECT_EQ(first_difference_but_nans(ref, y), -1);
      ++runs;
    }
  }
  EXPECT_GT(runs, 0) << "no vector target on this CPU";
  if (forced_scalar) GTEST_SKIP() << "FAULTBENCH_SIMD=scalar; the vector targets ran " << runs << " cases";
}

}  // namespace
}  // namespace faultbench
