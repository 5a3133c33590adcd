// conv2d, Plain path: any window (Conv2dShape::general), for the layers the vectorized
// paths, written for square windows, decline. The reference's own per-plane loops
// (conv_reference_plane), so the bits are the reference's by construction; the pool splits
// the (image, output channel) planes, the epilogue follows each plane.
#include <cstdint>

#include "faultbench/ops/conv2d.h"
#include "layout.h"

namespace faultbench::ops::detail {

void conv_plain(const Conv2dShape& s, const float* x, const Conv2dLayout& pk, const float* bias, float* y,
                ThreadPool* pool, const ConvEpilogue& epilogue) {
  const Window2d w = s.window();
  const int64_t plane = int64_t(s.out_h) * s.out_w;
  parallel_range(pool, int64_t(s.batch) * s.out_c, [&](long long b, long long e) {
    for (long long i = b; i < e; ++i) {
      const int n = int(i / s.out_c), co = int(i % s.out_c);
      float* yp = y + i * plane;
      conv_reference_plane(s, w, x, pk.data.data(), bias, n, co, yp);
      if (!epilogue.empty())
        conv2d_epilogue(epilogue, co, yp, epilogue.residual ? epilogue.residual + i * plane : nullptr, yp, plane);
    }
  });
}

}  // namespace faultbench::ops::detail
