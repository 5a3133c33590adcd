// The zero-skipping conv kernel against the dense one on ResNet20's shapes (one image at a
// time, one thread: how a fault campaign re-runs them), for inputs with a given share of
// zeros. Zeros come in 2x2 patches of the map, as behind a ReLU (neighbouring activations
// tend to be zero together); the benchmark prints the dense/sparse time ratio.
//
//   build-bench/bench/conv_sparse_bench --benchmark_min_time=0.5
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

void BM_Conv(benchmark::State& st) {
  const Layer& layer = kLayers[st.range(0)];
  const double zeros = double(st.range(1)) / 100.0;
  const ConvSparsity policy = st.range(2) ? ConvSparsity::Always : ConvSparsity::Never;
  const Conv2dShape s = layer.shape;
  std::mt19937 rng(1);
  std::normal_distribution<float> n(0.0f, 0.05f);
  std::vector<float> w(size_t(s.out_c) * s.in_c * s.kernel * s.kernel);
  for (float& v : w) v = n(rng);
  const auto pack = faultbench::ops::conv2d_pack(s, w.data());
  const auto x = activations(s, zeros, 2);
  std::vector<float> y(size_t(s.out_c) * s.out_h * s.out_w);
  faultbench::ops::conv2d_set_sparsity(policy);
  for (auto _ : st) {
    faultbench::ops::conv2d_optimized(s, x.data(), pack, nullptr, y.data(), nullptr);
    benchmark::DoNotOptimize(y.data());
  }
  faultbench::ops::conv2d_set_sparsity(ConvSparsity::Auto);
  const double macs = double(s.out_c) * s.out_h * s.out_w * s.in_c * s.kernel * s.kernel;
  st.counters["GFLOP/s(dense)"] = benchmark::Counter(2 * macs, benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel(std::string(layer.name) + (st.range(2) ? " sparse" : " dense"));
}
BENCHMARK(BM_Conv)->ArgsProduct({{0, 1, 2}, {50, 65, 80}, {0, 1}});

}  // namespace

BENCHMARK_MAIN();
