// conv2d's public entry points (conv2d.h): each runs the active SIMD target's build of the
// folder's *_simd.cpp files (docs/SIMD.md). Packing lays weights out in the target's
// vector width, so a pack is only run by a target of the same width.
#include <atomic>
#include <cstdint>
#include <string>

#include "faultbench/ops/conv2d.h"
#include "faultbench/ops/simd_target.h"
#include "ops/simd/dispatch.h"

namespace faultbench::ops {

FAULTBENCH_SIMD_DECLARE(Conv2dPacked, conv2d_pack, (const Conv2dShape& s, const float* weight));
FAULTBENCH_SIMD_DECLARE(void, conv2d_pack_set, (Conv2dPacked& pack, int64_t index, float value));
FAULTBENCH_SIMD_DECLARE(void, conv2d_optimized,
                        (const Conv2dShape& s, const float* x, const Conv2dPacked& pack, const float* bias, float* y,
                         ThreadPool* pool, const ConvEpilogue& epilogue, const uint64_t* needed,
                         const float* const* fill));
FAULTBENCH_SIMD_DECLARE(bool, conv2d_segment_supported, (const Conv2dShape& s));
FAULTBENCH_SIMD_DECLARE(void, conv2d_segment_reference,
                        (const Conv2dShape& s, const float* x, const float* weight, const float* bias, float* y,
                         const Conv2dSegment& seg));
FAULTBENCH_SIMD_DECLARE(void, conv2d_segment_optimized,
                        (const Conv2dShape& s, const float* x, const Conv2dPacked& pack, const float* bias, float* y,
                         ThreadPool* pool, const ConvEpilogue& epilogue, const Conv2dSegment& seg));

namespace {
std::atomic<int> g_sparsity{int(ConvSparsity::Auto)};

void check_lanes(const Conv2dPacked& pack) {
  if (pack.lanes != simd_lanes())
    shape_error("conv2d", "packed weights have " + std::to_string(pack.lanes) + "-lane tiles, the " +
                              simd_target_name(simd_target()) + " kernels take " + std::to_string(simd_lanes()));
}
}  // namespace

void conv2d_set_sparsity(ConvSparsity policy) { g_sparsity.store(int(policy), std::memory_order_relaxed); }
ConvSparsity conv2d_sparsity() { return ConvSparsity(g_sparsity.load(std::memory_order_relaxed)); }

Conv2dPacked conv2d_pack(const Conv2dShape& s, const float* weight) {
  return FAULTBENCH_SIMD_CALL(conv2d_pack)(s, weight);
}

void conv2d_pack_set(Conv2dPacked& pack, int64_t index, float value) {
  check_lanes(pack);
  FAULTBENCH_SIMD_CALL(conv2d_pack_set)(pack, index, value);
}

void conv2d_optimized(const Conv2dShape& s, const float* x, const Conv2dPacked& pack, const float* bias, float* y,
                      ThreadPool* pool, const ConvEpilogue& epilogue, const uint64_t* needed,
                      const float* const* fill) {
  check_lanes(pack);
  FAULTBENCH_SIMD_CALL(conv2d_optimized)(s, x, pack, bias, y, pool, epilogue, needed, fill);
}

bool conv2d_segment_supported(const Conv2dShape& s) { return FAULTBENCH_SIMD_CALL(conv2d_segment_supported)(s); }

void conv2d_segment_reference(const Conv2dShape& s, const float* x, const float* weight, const float* bias, float* y,
                              const Conv2dSegment& seg) {
  FAULTBENCH_SIMD_CALL(conv2d_segment_reference)(s, x, weight, bias, y, seg);
}

void conv2d_segment_optimized(const Conv2dShape& s, const float* x, const Conv2dPacked& pack, const float* bias,
                              float* y, ThreadPool* pool, const ConvEpilogue& epilogue, const Conv2dSegment& seg) {
  check_lanes(pack);
  FAULTBENCH_SIMD_CALL(conv2d_segment_optimized)(s, x, pack, bias, y, pool, epilogue, seg);
}

}  // namespace faultbench::ops
