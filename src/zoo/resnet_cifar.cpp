// Family A (MODELS.md §3.A): CIFAR ResNets with the parameter-free option-A shortcut.
// Depth 6n+2; stages of n BasicBlocks with widths 16/32/64.
#include <fmt/format.h>

#include "families.h"

namespace faultbench::zoo_detail {

Graph build_resnet_cifar(const ModelInfo& info, int depth) {
  FAULTBENCH_CHECK((depth - 2) % 6 == 0, "resnet depth must be 6n+2");
  const int n = (depth - 2) / 6;
  GraphBuilder b(info.model, info.dataset, info.input, info.classes);

  int x = b.conv2d("conv1", b.input(), conv(3, 16, 3, 1, 1));  // [16,H,W]
  x = b.relu(b.batch_norm("bn1", x));
  int in = 16;
  for (int stage = 1; stage <= 3; ++stage) {
    const int planes = 16 << (stage - 1);
    for (int i = 0; i < n; ++i) {
      const int stride = (i == 0 && stage > 1) ? 2 : 1;
      const std::string p = fmt::format("layer{}.{}", stage, i);
      int o = b.conv2d(p + ".conv1", x, conv(in, planes, 3, stride, 1));
      o = b.relu(b.batch_norm(p + ".bn1", o));
      o = b.conv2d(p + ".conv2", o, conv(planes, planes, 3, 1, 1));
      o = b.batch_norm(p + ".bn2", o);
      // Option A: x[:, :, ::2, ::2] with planes/4 zero channels on each side (quirk 3).
      const int shortcut = (stride != 1 || in != planes) ? b.shortcut_a(x, planes) : x;
      x = b.relu(b.add(o, shortcut));
      in = planes;
    }
  }
  // avg_pool2d with kernel = final map width: 8 (CIFAR, 32 in) or 13 (GTSRB, 50 in) (quirk 4).
  const int width = b.shape(x).w;
  x = b.avg_pool(x, pool(width, width));  // [64,1,1]
  x = b.flatten(x);
  return b.finish(b.linear("linear", x, info.classes));
}

}  // namespace faultbench::zoo_detail
