// What the campaign engine needs from the conv and linear kernels to simulate one weight
// fault: computing a subset of output channels/features (with the fused epilogue) gives
// exactly the bits of a full run and leaves the other outputs alone, and patching one
// packed weight in place equals packing the changed weights from scratch.
#include <random>

#include "faultbench/error.h"
#include "faultbench/ops/conv2d.h"
#include "faultbench/ops/linear.h"
#include "faultbench/parallel.h"
#include "ops/op_test_util.h"

namespace faultbench {
namespace {

using ops::Conv2dShape;
using namespace faultbench::testing;

bool same_bytes(const ops::AlignedBuffer& a, const ops::AlignedBuffer& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(Conv2dChannelRange, EqualsFullRunInsideAndLeavesTheRestAlone) {
  std::mt19937 rng(7);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  ThreadPool pool(2);
  for (int iter = 0; iter < 80; ++iter) {
    const int k = std::vector<int>{1, 3}[size_t(pick(0, 1))];
    const int stride = pick(1, 2), pad = k / 2;
    // Every fourth case depthwise, the others dense or grouped.
    const bool depthwise = iter % 4 == 3;
    const int groups = depthwise ? pick(2, 12) : pick(1, 2);
    const int in_c = depthwise ? groups : groups * pick(1, 6), out_c = groups * pick(1, depthwise ? 2 : 11);
    const int h = pick(k, 20), w = pick(k, 20);
    const Conv2dShape s{pick(1, 5), in_c, h, w, out_c, (h + 2 * pad - k) / stride + 1, (w + 2 * pad - k) / stride + 1,
                        k, stride, pad, groups};
    const size_t out_n = size_t(s.batch) * out_c * s.out_h * s.out_w;
    const auto x = random_floats(size_t(s.batch) * in_c * h * w, 100 + uint32_t(iter));
    const auto wt = random_floats(size_t(out_c) * (in_c / groups) * k * k, 200 + uint32_t(iter));
    const auto bias = random_floats(size_t(out_c), 300 + uint32_t(iter));
    const auto alpha = random_floats(size_t(out_c), 400 + uint32_t(iter), 0.5f, 1.5f);
    const auto beta = random_floats(size_t(out_c), 500 + uint32_t(iter));
    const auto residual = random_floats(out_n, 600 + uint32_t(iter));
    ops::ConvEpilogue epi;
    if (iter % 3 != 0) epi.alpha = alpha.data(), epi.beta = beta.data();
    if (iter % 3 == 2) epi.residual = residual.data(), epi.residual_first = iter % 2 == 0;
    epi.relu = iter % 2 == 1;
    const auto pack = ops::conv2d_pack(s, wt.data());
    std::vector<float> full(out_n, 3.0f);
    ops::conv2d_optimized(s, x.data(), pack, iter % 5 ? bias.data() : nullptr, full.data(), &pool, epi);
    const int begin = pick(0, out_c - 1), end = pick(begin, out_c);  // may be empty
    for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
      std::vector<float> part(out_n, -5.0f);
      ops::conv2d_optimized(s, x.data(), pack, iter % 5 ? bias.data() : nullptr, part.data(), p, epi, {begin, end});
      const size_t plane = size_t(s.out_h) * s.out_w;
      for (size_t i = 0; i < out_n; ++i) {
        const int co = int(i / plane % size_t(out_c));
        if (co >= begin && co < end)
          ASSERT_EQ(bits(part[i]), bits(full[i])) << "case " << iter << " element " << i;
        else
          ASSERT_EQ(part[i], -5.0f) << "case " << iter << ": channel " << co << " outside [" << begin << ", " << end
                                    << ") was written";
      }
    }
  }
}

TEST(Conv2dChannelRange, MatchesTheReferenceKernel) {
  // ResNet20's last stage, one output channel as the campaign computes it.
  const Conv2dShape s{3, 64, 8, 8, 64, 8, 8, 3, 1, 1, 1};
  const auto x = random_floats(size_t(3) * 64 * 64, 11);
  const auto w = random_floats(size_t(64) * 64 * 9, 12);
  std::vector<float> ref(size_t(3) * 64 * 64), part(ref.size(), 0.0f);
  ops::conv2d_reference(s, x.data(), w.data(), nullptr, ref.data());
  ops::conv2d_optimized(s, x.data(), ops::conv2d_pack(s, w.data()), nullptr, part.data(), nullptr, {}, {37, 38});
  for (int n = 0; n < 3; ++n)
    for (int i = 0; i < 64; ++i) {
      const size_t at = (size_t(n) * 64 + 37) * 64 + size_t(i);
      ASSERT_EQ(bits(part[at]), bits(ref[at])) << "image " << n << " position " << i;
    }
}

TEST(Conv2dChannelRange, RejectsRangesOutsideTheChannels) {
  const Conv2dShape s{1, 4, 5, 5, 8, 5, 5, 3, 1, 1, 1};
  const std::vector<float> x(100, 1.0f), w(size_t(8) * 4 * 9, 1.0f);
  std::vector<float> y(200);
  const auto pack = ops::conv2d_pack(s, w.data());
  EXPECT_THROW(ops::conv2d_optimized(s, x.data(), pack, nullptr, y.data(), nullptr, {}, {-1, 2}), UsageError);
  EXPECT_THROW(ops::conv2d_optimized(s, x.data(), pack, nullptr, y.data(), nullptr, {}, {3, 9}), UsageError);
  EXPECT_THROW(ops::conv2d_optimized(s, x.data(), pack, nullptr, y.data(), nullptr, {}, {5, 4}), UsageError);
}

TEST(Conv2dPackSet, PatchEqualsRepacking) {
  const std::vector<Conv2dShape> shapes = {
      {1, 16, 8, 8, 30, 8, 8, 3, 1, 1, 1},   // out_c not a tile multiple
      {1, 8, 9, 9, 12, 5, 5, 3, 2, 1, 2},    // grouped, stride 2
      {1, 32, 6, 6, 32, 6, 6, 3, 1, 1, 32},  // depthwise
  };
  std::mt19937 rng(3);
  for (const Conv2dShape& s : shapes) {
    auto w = random_floats(size_t(s.out_c) * (s.in_c / s.groups) * s.kernel * s.kernel, 21);
    auto pack = ops::conv2d_pack(s, w.data());
    for (int t = 0; t < 50; ++t) {
      const size_t i = std::uniform_int_distribution<size_t>(0, w.size() - 1)(rng);
      w[i] = float(t) - 100.5f;
      ops::conv2d_pack_set(pack, int64_t(i), w[i]);
      ASSERT_TRUE(same_bytes(pack.data, ops::conv2d_pack(s, w.data()).data)) << "element " << i;
    }
    EXPECT_THROW(ops::conv2d_pack_set(pack, int64_t(w.size()), 1.0f), UsageError);
    EXPECT_THROW(ops::conv2d_pack_set(pack, -1, 1.0f), UsageError);
  }
}

TEST(LinearFeatureRange, EqualsFullRunInsideAndLeavesTheRestAlone) {
  ThreadPool pool(2);
  for (const ops::LinearShape& s : {ops::LinearShape{3, 512, 4096}, ops::LinearShape{2, 37, 21}, ops::LinearShape{1, 64, 10}}) {
    const auto x = random_floats(size_t(s.batch) * s.in_features, 41);
    const auto w = random_floats(size_t(s.in_features) * s.out_features, 42);
    const auto b = random_floats(size_t(s.out_features), 43);
    const auto pack = ops::linear_pack(s, w.data());
    std::vector<float> ref(size_t(s.batch) * s.out_features);
    ops::linear_reference(s, x.data(), w.data(), b.data(), ref.data());
    std::mt19937 rng(44);
    for (int t = 0; t < 30; ++t) {
      const int begin = std::uniform_int_distribution<int>(0, s.out_features - 1)(rng);
      const int end = std::uniform_int_distribution<int>(begin, std::min(s.out_features, begin + 70))(rng);
      std::vector<float> part(ref.size(), 9.0f);
      ops::linear_optimized(s, x.data(), pack, b.data(), part.data(), t % 2 ? &pool : nullptr, {begin, end});
      for (size_t i = 0; i < part.size(); ++i) {
        const int o = int(i % size_t(s.out_features));
        if (o >= begin && o < end)
          ASSERT_EQ(bits(part[i]), bits(ref[i])) << "output " << i;
        else
          ASSERT_EQ(part[i], 9.0f) << "output " << o << " outside [" << begin << ", " << end << ") was written";
      }
    }
    std::vector<float> y(ref.size());
    EXPECT_THROW(ops::linear_optimized(s, x.data(), pack, b.data(), y.data(), nullptr, {0, s.out_features + 1}),
                 UsageError);
  }
}

TEST(LinearPackSet, PatchEqualsRepacking) {
  const ops::LinearShape s{1, 37, 21};
  auto w = random_floats(size_t(37) * 21, 31);
  auto pack = ops::linear_pack(s, w.data());
  for (size_t i = 0; i < w.size(); i += 13) {
    w[i] = -float(i);
    ops::linear_pack_set(pack, int64_t(i), w[i]);
    ASSERT_TRUE(same_bytes(pack.data, ops::linear_pack(s, w.data()).data)) << "element " << i;
  }
  EXPECT_THROW(ops::linear_pack_set(pack, int64_t(w.size()), 1.0f), UsageError);
}

}  // namespace
}  // namespace faultbench
