// Opens the target region of a kernel source compiled once per SIMD target (docs/SIMD.md).
// No include guard: include it once per translation unit, AFTER every other #include, and
// close the region with end_target.h. cmake/Simd.cmake compiles each kernel source with
// exactly one of FAULTBENCH_SIMD_TARGET_{AVX512,AVX2,NEON,SCALAR} defined.
//
// Why a region and not -mavx512f on the command line: a TU compiled with -mavx512f emits
// every inline function it uses (std::, our headers) as a COMDAT symbol built with AVX-512
// instructions, and the linker may keep that copy for the whole program: SIGILL on an
// AVX2 machine. Here only the functions defined inside the region get the target attribute,
// and they all live in the target's own namespace (faultbench::ops::N_<TARGET>), so no
// symbol is shared between targets; std templates instantiated from inside stay untargeted.
// The std headers kernels use, included here (before the region) in case a kernel source
// forgot one: a std header first included inside the region would give its inline
// functions the target's instruction sets (scripts/check_simd_symbols.sh checks).
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#if defined(FAULTBENCH_SIMD_TARGET_AVX512) || defined(FAULTBENCH_SIMD_TARGET_AVX2)
#include <immintrin.h>
#elif defined(FAULTBENCH_SIMD_TARGET_NEON)
#include <arm_neon.h>
#elif !defined(FAULTBENCH_SIMD_TARGET_SCALAR)
#error "compile SIMD kernel sources through cmake/Simd.cmake (FAULTBENCH_SIMD_TARGET_<T> undefined)"
#endif

#if defined(FAULTBENCH_SIMD_IN_TARGET)
#error "begin_target.h included twice without end_target.h"
#endif
#define FAULTBENCH_SIMD_IN_TARGET 1

// The instruction sets of each x86 target; dispatch.cpp checks the same list on the CPU.
#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
#define FAULTBENCH_SIMD_NS N_AVX512
#define FAULTBENCH_SIMD_ISA "avx512f,avx512bw,avx512dq,avx512vl,avx512cd,avx2,fma,bmi,bmi2,popcnt"
#elif defined(FAULTBENCH_SIMD_TARGET_AVX2)
#define FAULTBENCH_SIMD_NS N_AVX2
#define FAULTBENCH_SIMD_ISA "avx2,fma,bmi,bmi2,popcnt"
#elif defined(FAULTBENCH_SIMD_TARGET_NEON)
#define FAULTBENCH_SIMD_NS N_NEON  // NEON is the aarch64 baseline: no attribute needed
#else
#define FAULTBENCH_SIMD_NS N_SCALAR
#endif

// _Pragma through two macros, so that FAULTBENCH_SIMD_ISA is expanded before the string is made.
#define FAULTBENCH_SIMD_PRAGMA(tokens) _Pragma(#tokens)
#define FAULTBENCH_SIMD_PUSH_GCC(isa) FAULTBENCH_SIMD_PRAGMA(GCC target isa)
#define FAULTBENCH_SIMD_PUSH_CLANG(isa) \
  FAULTBENCH_SIMD_PRAGMA(clang attribute push(__attribute__((target(isa))), apply_to = function))
#if defined(FAULTBENCH_SIMD_ISA)
#if defined(__clang__)
FAULTBENCH_SIMD_PUSH_CLANG(FAULTBENCH_SIMD_ISA)
#elif defined(__GNUC__)
#pragma GCC push_options
FAULTBENCH_SIMD_PUSH_GCC(FAULTBENCH_SIMD_ISA)
#endif
#endif

#if defined(FAULTBENCH_SIMD_TARGET_AVX512)
#include "avx512.h"
#elif defined(FAULTBENCH_SIMD_TARGET_AVX2)
#include "avx2_fma.h"
#elif defined(FAULTBENCH_SIMD_TARGET_NEON)
#include "neon.h"
#else
#include "scalar.h"
#endif
