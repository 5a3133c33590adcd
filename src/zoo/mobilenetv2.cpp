// Family C (MODELS.md §3.C): CIFAR10 MobileNetV2 (stem stride 1, plain ReLU, pool kernel 4).
#include <fmt/format.h>

#include "families.h"

namespace faultbench::zoo_detail {

namespace {
struct StageCfg {
  int expansion, out, blocks, stride;
};
// (t, out, repeats, first stride); the 24-channel stage has stride 1 on CIFAR.
constexpr StageCfg kStages[] = {{1, 16, 1, 1}, {6, 24, 2, 1},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
}  // namespace

Graph build_mobilenetv2(const ModelInfo& info) {
  GraphBuilder b(info.model, info.dataset, info.input, info.classes);
  int x = b.conv2d("conv1", b.input(), conv(3, 32, 3, 1, 1));  // [32,32,32]
  x = b.relu(b.batch_norm("bn1", x));

  int in = 32, idx = 0;
  for (const StageCfg& st : kStages) {
    for (int r = 0; r < st.blocks; ++r, ++idx) {
      const int stride = r == 0 ? st.stride : 1;
      const int planes = st.expansion * in;
      const std::string p = fmt::format("layers.{}", idx);
      int o = b.conv2d(p + ".conv1", x, conv(in, planes, 1));  // expand (kept even for t = 1)
      o = b.relu(b.batch_norm(p + ".bn1", o));
      o = b.conv2d(p + ".conv2", o, conv(planes, planes, 3, stride, 1, false, planes));  // depthwise
      o = b.relu(b.batch_norm(p + ".bn2", o));
      o = b.conv2d(p + ".conv3", o, conv(planes, st.out, 1));
      o = b.batch_norm(p + ".bn3", o);  // linear bottleneck: no activation
      // Residual only at stride 1; a width change there gets a conv+BN projection. No ReLU after.
      if (stride == 1) {
        int shortcut = x;
        if (in != st.out) {
          shortcut = b.conv2d(p + ".shortcut.0", x, conv(in, st.out, 1));
          shortcut = b.batch_norm(p + ".shortcut.1", shortcut);
        }
        o = b.add(o, shortcut);
      }
      x = o;
      in = st.out;
    }
  }
  x = b.conv2d("conv2", x, conv(320, 1280, 1));  // [1280,4,4]
  x = b.relu(b.batch_norm("bn2", x));
  x = b.avg_pool(x, pool(4, 4));  // fixed kernel 4 (quirk 5) -> [1280,1,1]
  x = b.flatten(x);
  return b.finish(b.linear("linear", x, info.classes));
}

}  // namespace faultbench::zoo_detail
