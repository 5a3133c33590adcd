// Family B (MODELS.md §3.B): CIFAR100 ResNet18, BasicBlocks with 1x1 conv+BN projection shortcuts.
#include <fmt/format.h>

#include "families.h"

namespace faultbench::zoo_detail {

Graph build_resnet18(const ModelInfo& info) {
  GraphBuilder b(info.model, info.dataset, info.input, info.classes);
  int x = b.conv2d("conv1.0", b.input(), conv(3, 64, 3, 1, 1));  // [64,32,32]
  x = b.relu(b.batch_norm("conv1.1", x), "conv1.2");             // ReLU modules: activation fault sites

  int in = 64;
  const int widths[4] = {64, 128, 256, 512};
  const int strides[4] = {1, 2, 2, 2};
  for (int s = 0; s < 4; ++s) {
    for (int i = 0; i < 2; ++i) {
      const int c = widths[s];
      const int stride = i == 0 ? strides[s] : 1;
      const std::string p = fmt::format("conv{}_x.{}", s + 2, i);
      int o = b.conv2d(p + ".residual_function.0", x, conv(in, c, 3, stride, 1));
      o = b.relu(b.batch_norm(p + ".residual_function.1", o), p + ".residual_function.2");
      o = b.conv2d(p + ".residual_function.3", o, conv(c, c, 3, 1, 1));
      o = b.batch_norm(p + ".residual_function.4", o);
      int shortcut = x;
      if (stride != 1 || in != c) {
        shortcut = b.conv2d(p + ".shortcut.0", x, conv(in, c, 1, stride, 0));
        shortcut = b.batch_norm(p + ".shortcut.1", shortcut);
      }
      x = b.relu(b.add(o, shortcut));
      in = c;
    }
  }
  x = b.flatten(b.global_avg_pool(x));  // [512,1,1]
  return b.finish(b.linear("fc", x, info.classes));
}

}  // namespace faultbench::zoo_detail
