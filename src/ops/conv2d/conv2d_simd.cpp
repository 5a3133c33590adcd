// conv2d, optimized: the dispatcher, which picks one of the paths in this folder.
#include <cstdint>
#include "faultbench/ops/conv2d.h"
#include "faultbench/parallel.h"

#include "ops/simd/begin_target.h"
#include "internal.h"


namespace faultbench::ops::FAULTBENCH_SIMD_NS {

void conv2d_optimized(const Conv2dShape& s, const float* x, const Conv2dPacked& pack, const float* bias, float* y,
                      ThreadPool* pool, const ConvEpilogue& epilogue, const uint64_t* needed,
                      const float* const* fill) {
  if ((needed == nullptr) != (fill == nullptr)) shape_error("conv2d", "needed positions come with fill rows");
  validate_conv2d(s);
  const Conv2dShape& p = pack.shape;
  if (p.in_c != s.in_c || p.out_c != s.out_c || p.kernel != s.kernel || p.groups != s.groups ||
      p.in_h != s.in_h || p.in_w != s.in_w || p.stride != s.stride || p.padding != s.padding)
    shape_error("conv2d", "packed weights were prepared for a different shape");
  if (s.batch == 0) return;
  if (pack.depthwise)
    detail::conv_depthwise(s, x, pack, bias, y, pool, epilogue);
  else if (needed == nullptr && detail::conv_taps_wanted(pack))
    detail::conv_taps(s, x, pack, bias, y, pool, epilogue);
  else if (detail::conv_sparse_wanted(s, x, pack, pool, needed))
    detail::conv_sparse(s, x, pack, bias, y, pool, epilogue, needed, fill);
  else if (pack.channel_major)
    detail::conv_channels(s, x, pack, bias, y, pool, epilogue);
  else
    detail::conv_gemm(s, x, pack, bias, y, pool, epilogue);
}

}  // namespace faultbench::ops::FAULTBENCH_SIMD_NS

#include "ops/simd/end_target.h"
