# SIMD kernels compiled once per target, dispatched at run time (docs/SIMD.md).
#
# faultbench_simd_kernels(<library>) takes the sources of <library> whose names end in
# "_simd.cpp" out of it and compiles each of them once per SIMD target of the target
# architecture, with FAULTBENCH_SIMD_TARGET_<T> defined: the source wraps its kernels in
# src/ops/simd/begin_target.h / end_target.h, which put them in namespace
# faultbench::ops::N_<T> under the target's instruction sets (a #pragma, never a
# command-line -m flag: see begin_target.h). The objects go back into <library>.
# src/ops/simd/dispatch.h lists the same targets for the run-time choice. Included by
# CMakeLists.txt right after faultbench_core (tensor, util, ops, graph) is defined.

if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(FAULTBENCH_SIMD_TARGETS AVX512 AVX2 SCALAR)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  set(FAULTBENCH_SIMD_TARGETS NEON SCALAR)
else()
  set(FAULTBENCH_SIMD_TARGETS SCALAR)
endif()

function(faultbench_simd_kernels library)
  get_target_property(sources ${library} SOURCES)
  set(kernels ${sources})
  list(FILTER kernels INCLUDE REGEX "_simd\\.cpp$")
  list(FILTER sources EXCLUDE REGEX "_simd\\.cpp$")
  set_property(TARGET ${library} PROPERTY SOURCES ${sources})
  if(NOT kernels)
    return()
  endif()
  foreach(t ${FAULTBENCH_SIMD_TARGETS})
    string(TOLOWER ${t} lower)
    set(objects ${library}_simd_${lower})
    add_library(${objects} OBJECT ${kernels})
    target_compile_definitions(${objects} PRIVATE FAULTBENCH_SIMD_TARGET_${t}
      $<TARGET_PROPERTY:${library},COMPILE_DEFINITIONS>)
    target_include_directories(${objects} PRIVATE $<TARGET_PROPERTY:${library},INCLUDE_DIRECTORIES>)
    target_compile_options(${objects} PRIVATE $<TARGET_PROPERTY:${library},COMPILE_OPTIONS>)
    target_sources(${library} PRIVATE $<TARGET_OBJECTS:${objects}>)
  endforeach()
endfunction()

faultbench_simd_kernels(faultbench_core)
