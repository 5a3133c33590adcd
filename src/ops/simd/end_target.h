// Closes the target region opened by begin_target.h (docs/SIMD.md).
#if !defined(FAULTBENCH_SIMD_IN_TARGET)
#error "end_target.h without begin_target.h"
#endif
#undef FAULTBENCH_SIMD_IN_TARGET

#if defined(FAULTBENCH_SIMD_ISA)
#if defined(__clang__)
#pragma clang attribute pop
#elif defined(__GNUC__)
#pragma GCC pop_options
#endif
#endif
