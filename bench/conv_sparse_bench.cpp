// The zero-skipping conv kernel against the dense one on ResNet20's shapes (one image at a
// time, one thread: how a fault campaign re-runs them), for inputs with a given share of
// zeros. Zeros come in 2x2 patches of the map, as behind a ReLU (neighbouring activations
// tend to be zero together); the benchmark prints the dense/zero-skipping time ratio,
// both measured in the same iterations.
//
//   build-bench/bench/conv_sparse_bench --benchmark_min_time=0.5
#include <chrono>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "faultbench/ops/conv2d.h"

namespace {

using faultbench::ops::Conv2dShape;
using faultbench::ops::ConvSparsity;

struct Layer {
  const char* name;
  Conv2dShape shape;
};
const Layer kLayers[] = {
    {"layer3 3x3 64->64 8x8", {1, 64, 8, 8, 64, 8, 8, 3, 1, 1, 1}},
    {"layer2 3x3 32->32 16x16", {1, 32, 16, 16, 32, 16, 16, 3, 1, 1, 1}},
    {"layer3.0.conv1 3x3/2 32->64 16x16", {1, 32, 16, 16, 64, 8, 8, 3, 2, 1, 1}},
    // DenseNet121 (CIFAR-10): the 3x3 bottleneck-to-growth convs and 1x1 convs of blocks 3 and 4.
    {"densenet block3 conv2 3x3 128->32 4x4", {1, 128, 4, 4, 32, 4, 4, 3, 1, 1, 1}},
    {"densenet block4 conv2 3x3 128->32 2x2", {1, 128, 2, 2, 32, 2, 2, 3, 1, 1, 1}},
    {"densenet block3 conv1 1x1 736->128 4x4", {1, 736, 4, 4, 128, 4, 4, 1, 1, 0, 1}},
    {"densenet block4 conv1 1x1 736->128 2x2", {1, 736, 2, 2, 128, 2, 2, 1, 1, 0, 1}},
};

std::vector<float> activations(const Conv2dShape& s, double zeros, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> x(size_t(s.batch) * s.in_c * s.in_h * s.in_w);
  for (int c = 0; c < s.batch * s.in_c; ++c)
    for (int i = 0; i < s.in_h; i += 2)
      for (int j = 0; j < s.in_w; j += 2) {
        const bool zero = u(rng) < zeros;
        for (int a = i; a < std::min(i + 2, s.in_h); ++a)
          for (int b = j; b < std::min(j + 2, s.in_w); ++b)
            x[(size_t(c) * s.in_h + a) * s.in_w + b] = zero ? 0.0f : u(rng);
      }
  return x;
}

// Each iteration runs the dense and the zero-skipping kernel once each, alternately (so
// both see the same machine state); counters: microseconds per call of each and their
// ratio. The benchmark's own time is the zero-skipping kernel's.
void BM_Conv(benchmark::State& st) {
  const Layer& layer = kLayers[st.range(0)];
  const double zeros = double(st.range(1)) / 100.0;
  const Conv2dShape s = layer.shape;
  std::mt19937 rng(1);
  std::normal_distribution<float> n(0.0f, 0.05f);
  std::vector<float> w(size_t(s.out_c) * s.in_c * s.kernel * s.kernel);
  for (float& v : w) v = n(rng);
  auto pack = faultbench::ops::conv2d_pack(s, w.data());
  const auto x = activations(s, zeros, 2);
  std::vector<float> y(size_t(s.out_c) * s.out_h * s.out_w);
  using clock = std::chrono::steady_clock;
  double dense_s = 0, sparse_s = 0;
  for (auto _ : st) {
    for (const ConvSparsity policy : {ConvSparsity::Never, ConvSparsity::Always}) {
      pack.set_sparsity(policy);
      const auto t0 = clock::now();
      faultbench::ops::conv2d_optimized(s, x.data(), pack, nullptr, y.data(), nullptr);
      benchmark::DoNotOptimize(y.data());
      const double dt = std::chrono::duration<double>(clock::now() - t0).count();
      (policy == ConvSparsity::Never ? dense_s : sparse_s) += dt;
      if (policy == ConvSparsity::Always) st.SetIterationTime(dt);
    }
  }
  const double iters = double(st.iterations());
  st.counters["dense_us"] = dense_s / iters * 1e6;
  st.counters["skipping_us"] = sparse_s / iters * 1e6;
  st.counters["dense/skipping"] = dense_s / sparse_s;
  st.SetLabel(std::string(layer.name) + ", " + std::to_string(st.range(1)) + " % zeros");
}
BENCHMARK(BM_Conv)->ArgsProduct({{0, 1, 2, 3, 4, 5, 6}, {50, 65, 80}})->UseManualTime();

}  // namespace

BENCHMARK_MAIN();
