// conv2d's public entry points (conv2d.h, conv2d_path.h): each runs the active SIMD target's
// build of the folder's *_simd.cpp files (docs/SIMD.md), and Conv2dPacked's members, which
// belong to no target. Packing lays weights out in the target's vector width, so a pack
// is only run by a target of that width.
#include <cstdint>
#include <memory>
#include <string>

#include "faultbench/ops/conv2d.h"
#include "faultbench/ops/conv2d_path.h"
#include "faultbench/ops/simd_target.h"
#include "layout.h"
#include "ops/simd/dispatch.h"

namespace faultbench::ops {

FAULTBENCH_SIMD_DECLARE(Conv2dPacked, conv2d_pack, (const Conv2dShape& s, const float* weight));
FAULTBENCH_SIMD_DECLARE(void, conv2d_pack_set, (Conv2dPacked & pack, int64_t index, float value));
FAULTBENCH_SIMD_DECLARE(const char*, conv2d_path_name, (Conv2dPath path));
FAULTBENCH_SIMD_DECLARE(Conv2dPath, choose_conv2d_path, (const Conv2dPacked& pack, const Conv2dCall& call));
FAULTBENCH_SIMD_DECLARE(bool, conv2d_path_available, (const Conv2dPacked& pack, Conv2dPath path));
FAULTBENCH_SIMD_DECLARE(Conv2dPath, conv2d_optimized,
                        (const Conv2dShape& s, const float* x, const Conv2dPacked& pack, const float* bias, float* y,
                         ThreadPool* pool, const ConvEpilogue& epilogue, const uint64_t* needed,
                         const float* const* fill));
FAULTBENCH_SIMD_DECLARE(void, conv2d_run_path,
                        (Conv2dPath path, const Conv2dShape& s, const float* x, const Conv2dPacked& pack,
                         const float* bias, float* y, ThreadPool* pool, const ConvEpilogue& epilogue,
                         const uint64_t* needed, const float* const* fill));
FAULTBENCH_SIMD_DECLARE(bool, conv2d_segment_supported, (const Conv2dShape& s));
FAULTBENCH_SIMD_DECLARE(void, conv2d_segment_reference,
                        (const Conv2dShape& s, const float* x, const float* weight, const float* bias, float* y,
                         const Conv2dSegment& seg));
FAULTBENCH_SIMD_DECLARE(void, conv2d_segment_optimized,
                        (const Conv2dShape& s, const float* x, const Conv2dPacked& pack, const float* bias, float* y,
                         ThreadPool* pool, const ConvEpilogue& epilogue, const Conv2dSegment& seg));

namespace {
void check_lanes(const Conv2dPacked& pack) {
  if (pack.layout().lanes != simd_lanes())
    shape_error("conv2d", "packed weights have " + std::to_string(pack.layout().lanes) + "-lane tiles, the " +
                              simd_target_name(simd_target()) + " kernels take " + std::to_string(simd_lanes()));
}
}  // namespace

Conv2dPacked::Conv2dPacked() : impl_(std::make_unique<detail::Conv2dLayout>()) {}
Conv2dPacked::~Conv2dPacked() = default;
// A moved-from pack (no layout) copies as an empty one.
Conv2dPacked::Conv2dPacked(const Conv2dPacked& other)
    : impl_(other.impl_ ? std::make_unique<detail::Conv2dLayout>(*other.impl_)
                        : std::make_unique<detail::Conv2dLayout>()) {}
Conv2dPacked& Conv2dPacked::operator=(const Conv2dPacked& other) {
  if (this != &other) *this = Conv2dPacked(other);
  return *this;
}
Conv2dPacked::Conv2dPacked(Conv2dPacked&& other) noexcept = default;
Conv2dPacked& Conv2dPacked::operator=(Conv2dPacked&& other) noexcept = default;

const Conv2dShape& Conv2dPacked::shape() const { return impl_->shape; }
bool Conv2dPacked::sparse_capable() const { return impl_->sparse_capable; }
int64_t Conv2dPacked::nonfinite() const { return impl_->nonfinite; }
ConvSparsity Conv2dPacked::sparsity() const { return impl_->sparsity; }
void Conv2dPacked::set_sparsity(ConvSparsity policy) { impl_->sparsity = policy; }

Conv2dPacked conv2d_pack(const Conv2dShape& s, const float* weight) {
  return FAULTBENCH_SIMD_CALL(conv2d_pack)(s, weight);
}

void conv2d_pack_set(Conv2dPacked& pack, int64_t index, float value) {
  check_lanes(pack);
  FAULTBENCH_SIMD_CALL(conv2d_pack_set)(pack, index, value);
}

const char* conv2d_path_name(Conv2dPath path) { return FAULTBENCH_SIMD_CALL(conv2d_path_name)(path); }

Conv2dPath choose_conv2d_path(const Conv2dPacked& pack, const Conv2dCall& call) {
  return FAULTBENCH_SIMD_CALL(choose_conv2d_path)(pack, call);
}

bool conv2d_path_available(const Conv2dPacked& pack, Conv2dPath path) {
  return FAULTBENCH_SIMD_CALL(conv2d_path_available)(pack, path);
}

Conv2dPath conv2d_optimized(const Conv2dShape& s, const float* x, const Conv2dPacked& pack, const float* bias, float* y,
                            ThreadPool* pool, const ConvEpilogue& epilogue, const uint64_t* needed,
                            const float* const* fill) {
  check_lanes(pack);
  return FAULTBENCH_SIMD_CALL(conv2d_optimized)(s, x, pack, bias, y, pool, epilogue, needed, fill);
}

void conv2d_run_path(Conv2dPath path, const Conv2dShape& s, const float* x, const Conv2dPacked& pack, const float* bias,
                     float* y, ThreadPool* pool, const ConvEpilogue& epilogue, const uint64_t* needed,
                     const float* const* fill) {
  check_lanes(pack);
  FAULTBENCH_SIMD_CALL(conv2d_run_path)(path, s, x, pack, bias, y, pool, epilogue, needed, fill);
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
