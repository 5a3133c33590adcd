// This machine's fp32 FMA peak (issue 6: how close do the kernels come to it).
//
// Each benchmark runs kChains independent accumulator chains acc = fma(acc, a, b) in
// registers: enough chains to cover the FMA latency times the number of FMA pipes, so the
// loop is bound by FMA throughput only (no loads, no stores). FLOPs are counted as
// 2 per lane per FMA.
//
//   build-*/bench/fma_peak_bench --benchmark_min_time=1
#include <immintrin.h>

#include <benchmark/benchmark.h>

namespace {

constexpr int kChains = 16;         // 16 zmm/ymm accumulators: > latency (4) x pipes (2)
constexpr int64_t kInner = 1 << 12;  // FMAs per chain per benchmark iteration

__attribute__((target("avx512f"))) float run_avx512(int64_t iters) {
  __m512 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(1.0f + 0.001f * c);
  // acc -> acc * a + b with a < 1 converges to b / (1 - a): no overflow, no denormals.
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(0.001f);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], a, b);
    // Empty asm: the compiler must keep every accumulator in a register each iteration
    // (it could otherwise fold the loop on these constant inputs). Costs no instruction.
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) asm volatile("" : "+v"(acc[c]));
  }
  __m512 s = acc[0];
  for (int c = 1; c < kChains; ++c) s = _mm512_add_ps(s, acc[c]);
  return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"))) float run_avx2(int64_t iters) {
  __m256 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_ps(1.0f + 0.001f * c);
  const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(0.001f);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], a, b);
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) asm volatile("" : "+v"(acc[c]));
  }
  __m256 s = acc[0];
  for (int c = 1; c < kChains; ++c) s = _mm256_add_ps(s, acc[c]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, s);
  float total = 0;
  for (float v : lanes) total += v;
  return total;
}

template <float (*Fn)(int64_t), int Lanes>
void BM_FmaPeak(benchmark::State& state) {
  for (auto _ : state) {
    float r = Fn(kInner);
    benchmark::DoNotOptimize(r);
  }
  // Per thread; Google Benchmark sums rates over threads.
  const double flops = 2.0 * Lanes * kChains * static_cast<double>(kInner) * state.iterations();
  state.counters["GFLOP/s"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsRate);
}

bool has_avx512() { return __builtin_cpu_supports("avx512f"); }
bool has_avx2_fma() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

void BM_FmaPeak_AVX512(benchmark::State& state) {
  if (!has_avx512()) {
    state.SkipWithError("no AVX-512F on this CPU");
    return;
  }
  BM_FmaPeak<run_avx512, 16>(state);
}

void BM_FmaPeak_AVX2(benchmark::State& state) {
  if (!has_avx2_fma()) {
    state.SkipWithError("no AVX2+FMA on this CPU");
    return;
  }
  BM_FmaPeak<run_avx2, 8>(state);
}

// 1 thread: rate per CPU-second (robust to other load: the per-core peak). 2 threads: rate
// per wall second, summed over threads (the machine's peak; only meaningful when idle).
BENCHMARK(BM_FmaPeak_AVX512)->Threads(1);
BENCHMARK(BM_FmaPeak_AVX2)->Threads(1);
BENCHMARK(BM_FmaPeak_AVX512)->Threads(2)->UseRealTime();
BENCHMARK(BM_FmaPeak_AVX2)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
