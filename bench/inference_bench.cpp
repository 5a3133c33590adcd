// ResNet20 (CIFAR-10) inference throughput with random weights: batch 1 and 128, 2 threads.
// Run: cmake -DFAULTBENCH_BUILD_BENCH=ON ... && ninja inference_bench && ./bench/inference_bench
// images/s is wall-clock throughput, the figure to compare with PyTorch. On a shared machine
// images/CPU-s (images per second of process CPU time, all threads together) is the steadier
// figure: on an idle machine, images/s ~= images/CPU-s x threads.
#include <benchmark/benchmark.h>

#include <ctime>
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

double process_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
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
  ex.forward(images);  // warm-up: arenas and scratch buffers are allocated once
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) {
    auto logits = ex.forward(images);
    benchmark::DoNotOptimize(logits.data.data());
  }
  const double cpu = process_cpu_seconds() - cpu0;
  state.counters["images/CPU-s"] = double(batch) * double(state.iterations()) / cpu;
  state.counters["images/s"] =
      benchmark::Counter(double(batch) * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["GMAC/s"] = benchmark::Counter(double(g.macs_per_image()) * batch * double(state.iterations()) / 1e9,
                                                benchmark::Counter::kIsRate);
}

void BM_ResNet20(benchmark::State& state) { run(state, "resnet20", "cifar10", faultbench::KernelVariant::Optimized); }
void BM_ResNet20_Reference(benchmark::State& state) {
  run(state, "resnet20", "cifar10", faultbench::KernelVariant::Reference);
}

}  // namespace

BENCHMARK(BM_ResNet20)->Args({1, 2})->Args({128, 2})->Args({128, 1})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ResNet20_Reference)->Args({8, 2})->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
