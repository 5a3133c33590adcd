// The 1x1 conv slice kernel (ops::conv2d_segment_optimized, what the fault campaign runs
// when it continues a DenseNet conv from golden partial sums) against conv2d_optimized
// (the kernel the executor picks for the whole conv) on DenseNet121/CIFAR-10's 1x1 shapes,
// over all input channels, at the fast mode's micro-batch (26 images, one thread) and
// with half of the inputs +0 (behind BN + ReLU). Both run alternately in the same
// iterations; counters: microseconds per call, GFLOP/s of each, whole/segment time ratio.
//
//   build-bench/bench/conv_segment_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <chrono>
#include <random>
#include <vector>

#include "faultbench/ops/conv2d.h"

namespace {

using faultbench::ops::Conv2dShape;

struct Layer {
  const char* name;
  Conv2dShape shape;
};
constexpr int kBatch = 26;
const Layer kLayers[] = {
    {"denseblock1.denselayer4.conv1 160->128 16x16", {kBatch, 160, 16, 16, 128, 16, 16, 1, 1, 0, 1}},
    {"denseblock2.denselayer8.conv1 352->128 8x8", {kBatch, 352, 8, 8, 128, 8, 8, 1, 1, 0, 1}},
    {"denseblock3.denselayer16.conv1 736->128 4x4", {kBatch, 736, 4, 4, 128, 4, 4, 1, 1, 0, 1}},
    {"denseblock4.denselayer8.conv1 736->128 2x2", {kBatch, 736, 2, 2, 128, 2, 2, 1, 1, 0, 1}},
    {"transition3.conv 1024->512 4x4", {kBatch, 1024, 4, 4, 512, 4, 4, 1, 1, 0, 1}},
};

void BM_Segment(benchmark::State& st) {
  const Layer& layer = kLayers[st.range(0)];
  const Conv2dShape s = layer.shape;
  std::mt19937 rng(1);
  std::normal_distribution<float> n(0.0f, 0.05f);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> w(size_t(s.out_c) * s.in_c), x(size_t(s.batch) * s.in_c * s.in_h * s.in_w);
  for (float& v : w) v = n(rng);
  for (float& v : x) v = u(rng) < 0.5f ? 0.0f : u(rng);
  std::vector<float> alpha(size_t(s.out_c), 1.1f), beta(size_t(s.out_c), -0.1f);
  faultbench::ops::ConvEpilogue epi;
  epi.alpha = alpha.data();
  epi.beta = beta.data();
  epi.relu = true;
  const auto pack = faultbench::ops::conv2d_pack(s, w.data());
  std::vector<float> y(size_t(s.batch) * s.out_c * s.out_h * s.out_w);
  using clock = std::chrono::steady_clock;
  double whole_s = 0, segment_s = 0;
  for (auto _ : st) {
    auto t0 = clock::now();
    faultbench::ops::conv2d_optimized(s, x.data(), pack, nullptr, y.data(), nullptr, epi);
    benchmark::DoNotOptimize(y.data());
    whole_s += std::chrono::duration<double>(clock::now() - t0).count();
    t0 = clock::now();
    faultbench::ops::conv2d_segment_optimized(s, x.data(), pack, nullptr, y.data(), nullptr, epi,
                                              {0, s.in_c, nullptr, true});
    benchmark::DoNotOptimize(y.data());
    const double dt = std::chrono::duration<double>(clock::now() - t0).count();
    segment_s += dt;
    st.SetIterationTime(dt);
  }
  const double iters = double(st.iterations());
  const double flops = 2.0 * s.batch * s.out_c * s.in_c * s.out_h * s.out_w;
  st.counters["whole_us"] = whole_s / iters * 1e6;
  st.counters["segment_us"] = segment_s / iters * 1e6;
  st.counters["whole_GFLOPs"] = flops * iters / whole_s * 1e-9;
  st.counters["segment_GFLOPs"] = flops * iters / segment_s * 1e-9;
  st.counters["whole/segment"] = whole_s / segment_s;
  st.SetLabel(layer.name);
}
BENCHMARK(BM_Segment)->DenseRange(0, 4)->UseManualTime();

}  // namespace

BENCHMARK_MAIN();
