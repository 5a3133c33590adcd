// Runtime dispatch between the per-target builds of a kernel (docs/SIMD.md). Untargeted
// code (outside begin_target.h regions) declares a kernel for every target compiled in,
// then calls the active target's through a table made once:
//
//   namespace faultbench::ops {
//   FAULTBENCH_SIMD_DECLARE(void, relu_kernel, (const float* x, float* y, int64_t n));
//   ... FAULTBENCH_SIMD_CALL(relu_kernel)(x, y, n);
#pragma once
#include "faultbench/ops/simd_target.h"

// The targets compiled for this architecture; cmake/Simd.cmake builds the same list.
#if defined(__x86_64__) || defined(_M_X64)
#define FAULTBENCH_SIMD_FOREACH(X, arg) X(AVX512, kAvx512, arg) X(AVX2, kAvx2, arg) X(SCALAR, kScalar, arg)
#elif defined(__aarch64__)
#define FAULTBENCH_SIMD_FOREACH(X, arg) X(NEON, kNeon, arg) X(SCALAR, kScalar, arg)
#else
#define FAULTBENCH_SIMD_FOREACH(X, arg) X(SCALAR, kScalar, arg)
#endif

namespace faultbench::ops::simd {
// The active target's index (simd_target(), kept in an atomic: a load per call).
int active_index();

template <class F>
struct DispatchTable {
  F fn[kSimdTargetCount] = {};
  F operator()() const { return fn[active_index()]; }
};
}  // namespace faultbench::ops::simd

#define FAULTBENCH_SIMD_DECLARE_ONE_(T, e, decl) \
  namespace N_##T {                              \
    FAULTBENCH_SIMD_UNPAREN_ decl;               \
  }
#define FAULTBENCH_SIMD_UNPAREN_(...) __VA_ARGS__
// Declares `ret name params` in every target namespace (inside namespace faultbench::ops).
#define FAULTBENCH_SIMD_DECLARE(ret, name, params) \
  FAULTBENCH_SIMD_FOREACH(FAULTBENCH_SIMD_DECLARE_ONE_, (ret name params))

#define FAULTBENCH_SIMD_ENTRY_(T, e, name) \
  t.fn[int(::faultbench::ops::SimdTarget::e)] = &::faultbench::ops::N_##T::name;
// The active target's build of `name` (a function pointer).
#define FAULTBENCH_SIMD_CALL(name)                                                            \
  ([] {                                                                                       \
    static const auto table = [] {                                                            \
      ::faultbench::ops::simd::DispatchTable<decltype(&::faultbench::ops::N_SCALAR::name)> t; \
      FAULTBENCH_SIMD_FOREACH(FAULTBENCH_SIMD_ENTRY_, name)                                   \
      return t;                                                                               \
    }();                                                                                      \
    return table();                                                                           \
  }())
