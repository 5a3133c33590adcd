// ResNet20 (CIFAR-10) inference throughput with random weights: batch 1 and 128, 2 threads.
// Run: cmake -DFAULTBENCH_BUILD_BENCH=ON ... && ninja inference_bench && ./bench/inference_bench
// The images/s counter is the figure to compare with PyTorch (bench/torch_inference.py).
#include <benchmark/benchmark.h>

#include <random>

#include "faultbench/executor.h"
#include "faultbench/zoo/zoo.h"

namespace {

faultbench::Graph random_model(const std::string& model, const std::string& dataset) {
  faultbench::Graph g = faultbench::build_model(model, dataset);
  std::mt19937 rng(1);
  std::normal_distribution<float> d(0.0f, 0.1f);
  std::uniform_real_distribution<float> var(0.5f, 1.5f);
  for (auto& p : g.params)
    for (float& v : p.value.data) v = p.role == faultbench::ParamRole::RunningVar ? var(rng) : d(rng);
  return g;
}

void run(benchmark::State& state, const std::string& model, const std::string& dataset,
         faultbench::KernelVariant variant) {
  const int batch = int(state.range(0)), threads = int(state.range(1));
  const faultbench::Graph g = random_model(model, dataset);
  faultbench::Executor ex(g, {threads, variant, 128});
  faultbench::Tensor images({batch, g.input_shape.c, g.input_shape.h, g.input_shape.w});
  std::mt19937 rng(2);
  std::normal_distribution<float> d(0.0f, 1.0f);
  for (float& v : images.data) v = d(rng);
  for (auto _ : state) {
    auto logits = ex.forward(images);
    benchmark::DoNotOptimize(logits.data.data());
  }
  state.counters["images/s"] = benchmark::Counter(double(batch) * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["GMAC/s"] = benchmark::Counter(double(g.macs_per_image()) * batch * double(state.iterations()) / 1e9,
                                                benchmark::Counter::kIsRate);
}

void BM_ResNet20(benchmark::State& state) { run(state, "resnet20", "cifar10", faultbench::KernelVariant::Optimized); }
void BM_ResNet20_Reference(benchmark::State& state) {
  run(state, "resnet20", "cifar10", faultbench::KernelVariant::Reference);
}

}  // namespace

BENCHMARK(BM_ResNet20)->Args({1, 2})->Args({128, 2})->Args({128, 1})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ResNet20_Reference)->Args({128, 2})->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(2.0);

BENCHMARK_MAIN();
