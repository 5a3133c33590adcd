// This machine's fp32 FMA peak (issue 6: how close do the kernels come to it).
//
// Each benchmark runs 16 (AVX-512) or 12 (AVX2) independent accumulator chains
// acc = fma(acc, a, b) in
// registers: enough chains to cover the FMA latency times the number of FMA pipes, so the
// loop is bound by FMA throughput only (no loads, no stores). FLOPs are counted as
// 2 per lane per FMA.
//
//   build-*/bench/fma_peak_bench --benchmark_min_time=1
#include <immintrin.h>

#include <benchmark/benchmark.h>

namespace {

constexpr int64_t kInner = 1 << 12;  // FMAs per chain per benchmark iteration

__attribute__((target("avx512f"))) float run_avx512(int64_t iters) {
  __m512 x0 = _mm512_set1_ps(1.0f + 0.001f * 0);
  __m512 x1 = _mm512_set1_ps(1.0f + 0.001f * 1);
  __m512 x2 = _mm512_set1_ps(1.0f + 0.001f * 2);
  __m512 x3 = _mm512_set1_ps(1.0f + 0.001f * 3);
  __m512 x4 = _mm512_set1_ps(1.0f + 0.001f * 4);
  __m512 x5 = _mm512_set1_ps(1.0f + 0.001f * 5);
  __m512 x6 = _mm512_set1_ps(1.0f + 0.001f * 6);
  __m512 x7 = _mm512_set1_ps(1.0f + 0.001f * 7);
  __m512 x8 = _mm512_set1_ps(1.0f + 0.001f * 8);
  __m512 x9 = _mm512_set1_ps(1.0f + 0.001f * 9);
  __m512 x10 = _mm512_set1_ps(1.0f + 0.001f * 10);
  __m512 x11 = _mm512_set1_ps(1.0f + 0.001f * 11);
  __m512 x12 = _mm512_set1_ps(1.0f + 0.001f * 12);
  __m512 x13 = _mm512_set1_ps(1.0f + 0.001f * 13);
  __m512 x14 = _mm512_set1_ps(1.0f + 0.001f * 14);
  __m512 x15 = _mm512_set1_ps(1.0f + 0.001f * 15);
  // x -> a * x + b with a < 1 converges to b / (1 - a): no overflow, no denormals.
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(0.001f);
  for (int64_t i = 0; i < iters; ++i) {
    // Asm blocks of independent FMAs on registers (8 per block: operand limit): nothing for the compiler to fold
    // or to spill into memory traffic (it did both with plain intrinsics).
    asm volatile(
        "vfmadd213ps %[b], %[a], %[x0]\n\t"
        "vfmadd213ps %[b], %[a], %[x1]\n\t"
        "vfmadd213ps %[b], %[a], %[x2]\n\t"
        "vfmadd213ps %[b], %[a], %[x3]\n\t"
        "vfmadd213ps %[b], %[a], %[x4]\n\t"
        "vfmadd213ps %[b], %[a], %[x5]\n\t"
        "vfmadd213ps %[b], %[a], %[x6]\n\t"
        "vfmadd213ps %[b], %[a], %[x7]\n\t"
        : [x0] "+v"(x0), [x1] "+v"(x1), [x2] "+v"(x2), [x3] "+v"(x3), [x4] "+v"(x4), [x5] "+v"(x5), [x6] "+v"(x6),
          [x7] "+v"(x7)
        : [a] "v"(a), [b] "v"(b));
    asm volatile(
        "vfmadd213ps %[b], %[a], %[x8]\n\t"
        "vfmadd213ps %[b], %[a], %[x9]\n\t"
        "vfmadd213ps %[b], %[a], %[x10]\n\t"
        "vfmadd213ps %[b], %[a], %[x11]\n\t"
        "vfmadd213ps %[b], %[a], %[x12]\n\t"
        "vfmadd213ps %[b], %[a], %[x13]\n\t"
        "vfmadd213ps %[b], %[a], %[x14]\n\t"
        "vfmadd213ps %[b], %[a], %[x15]\n\t"
        : [x8] "+v"(x8), [x9] "+v"(x9), [x10] "+v"(x10), [x11] "+v"(x11), [x12] "+v"(x12), [x13] "+v"(x13),
          [x14] "+v"(x14), [x15] "+v"(x15)
        : [a] "v"(a), [b] "v"(b));
  }
  __m512 s = x0;
  s = _mm512_add_ps(s, x1);
  s = _mm512_add_ps(s, x2);
  s = _mm512_add_ps(s, x3);
  s = _mm512_add_ps(s, x4);
  s = _mm512_add_ps(s, x5);
  s = _mm512_add_ps(s, x6);
  s = _mm512_add_ps(s, x7);
  s = _mm512_add_ps(s, x8);
  s = _mm512_add_ps(s, x9);
  s = _mm512_add_ps(s, x10);
  s = _mm512_add_ps(s, x11);
  s = _mm512_add_ps(s, x12);
  s = _mm512_add_ps(s, x13);
  s = _mm512_add_ps(s, x14);
  s = _mm512_add_ps(s, x15);
  return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"))) float run_avx2(int64_t iters) {
  // 12 accumulators: with a and b they fit the 16 ymm registers AVX2 code may use.
  __m256 x0 = _mm256_set1_ps(1.0f + 0.001f * 0);
  __m256 x1 = _mm256_set1_ps(1.0f + 0.001f * 1);
  __m256 x2 = _mm256_set1_ps(1.0f + 0.001f * 2);
  __m256 x3 = _mm256_set1_ps(1.0f + 0.001f * 3);
  __m256 x4 = _mm256_set1_ps(1.0f + 0.001f * 4);
  __m256 x5 = _mm256_set1_ps(1.0f + 0.001f * 5);
  __m256 x6 = _mm256_set1_ps(1.0f + 0.001f * 6);
  __m256 x7 = _mm256_set1_ps(1.0f + 0.001f * 7);
  __m256 x8 = _mm256_set1_ps(1.0f + 0.001f * 8);
  __m256 x9 = _mm256_set1_ps(1.0f + 0.001f * 9);
  __m256 x10 = _mm256_set1_ps(1.0f + 0.001f * 10);
  __m256 x11 = _mm256_set1_ps(1.0f + 0.001f * 11);
  // x -> a * x + b with a < 1 converges to b / (1 - a): no overflow, no denormals.
  const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(0.001f);
  for (int64_t i = 0; i < iters; ++i) {
    // Asm blocks of independent FMAs on registers (8 per block: operand limit): nothing for the compiler to fold
    // or to spill into memory traffic (it did both with plain intrinsics).
    asm volatile(
        "vfmadd213ps %[b], %[a], %[x0]\n\t"
        "vfmadd213ps %[b], %[a], %[x1]\n\t"
        "vfmadd213ps %[b], %[a], %[x2]\n\t"
        "vfmadd213ps %[b], %[a], %[x3]\n\t"
        "vfmadd213ps %[b], %[a], %[x4]\n\t"
        "vfmadd213ps %[b], %[a], %[x5]\n\t"
        "vfmadd213ps %[b], %[a], %[x6]\n\t"
        "vfmadd213ps %[b], %[a], %[x7]\n\t"
        : [x0] "+v"(x0), [x1] "+v"(x1), [x2] "+v"(x2), [x3] "+v"(x3), [x4] "+v"(x4), [x5] "+v"(x5), [x6] "+v"(x6),
          [x7] "+v"(x7)
        : [a] "v"(a), [b] "v"(b));
    asm volatile(
        "vfmadd213ps %[b], %[a], %[x8]\n\t"
        "vfmadd213ps %[b], %[a], %[x9]\n\t"
        "vfmadd213ps %[b], %[a], %[x10]\n\t"
        "vfmadd213ps %[b], %[a], %[x11]\n\t"
        : [x8] "+v"(x8), [x9] "+v"(x9), [x10] "+v"(x10), [x11] "+v"(x11)
        : [a] "v"(a), [b] "v"(b));
  }
  __m256 s = x0;
  s = _mm256_add_ps(s, x1);
  s = _mm256_add_ps(s, x2);
  s = _mm256_add_ps(s, x3);
  s = _mm256_add_ps(s, x4);
  s = _mm256_add_ps(s, x5);
  s = _mm256_add_ps(s, x6);
  s = _mm256_add_ps(s, x7);
  s = _mm256_add_ps(s, x8);
  s = _mm256_add_ps(s, x9);
  s = _mm256_add_ps(s, x10);
  s = _mm256_add_ps(s, x11);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, s);
  float total = 0;
  for (float v : lanes) total += v;
  return total;
}

template <float (*Fn)(int64_t), int Lanes, int Chains>
void BM_FmaPeak(benchmark::State& state) {
  for (auto _ : state) {
    float r = Fn(kInner);
    benchmark::DoNotOptimize(r);
  }
  // Per thread; Google Benchmark sums rates over threads.
  const double flops = 2.0 * Lanes * Chains * static_cast<double>(kInner) * state.iterations();
  state.counters["GFLOP/s"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsRate);
}

bool has_avx512() { return __builtin_cpu_supports("avx512f"); }
bool has_avx2_fma() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

void BM_FmaPeak_AVX512(benchmark::State& state) {
  if (!has_avx512()) {
    state.SkipWithError("no AVX-512F on this CPU");
    return;
  }
  BM_FmaPeak<run_avx512, 16, 16>(state);
}

void BM_FmaPeak_AVX2(benchmark::State& state) {
  if (!has_avx2_fma()) {
    state.SkipWithError("no AVX2+FMA on this CPU");
    return;
  }
  BM_FmaPeak<run_avx2, 8, 12>(state);
}

// 1 thread: rate per CPU-second (robust to other load: the per-core peak). 2 threads: rate
// per wall second, summed over threads (the machine's peak; only meaningful when idle).
BENCHMARK(BM_FmaPeak_AVX512)->Threads(1);
BENCHMARK(BM_FmaPeak_AVX2)->Threads(1);
BENCHMARK(BM_FmaPeak_AVX512)->Threads(2)->UseRealTime();
BENCHMARK(BM_FmaPeak_AVX2)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
