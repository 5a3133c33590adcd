// Family E (MODELS.md §3.E): torchvision-style DenseNet121/161 for CIFAR10
// (3x3 stem conv, max-pool 3/2/1, transitions BN -> ReLU -> 1x1 conv -> avgpool 2).
#include <fmt/format.h>

#include "families.h"

namespace faultbench::zoo_detail {

Graph build_densenet(const ModelInfo& info, int depth) {
  FAULTBENCH_CHECK(depth == 121 || depth == 161, "densenet depth must be 121 or 161");
  const int growth = depth == 121 ? 32 : 48;
  const int init_features = depth == 121 ? 64 : 96;
  const int blocks121[4] = {6, 12, 24, 16}, blocks161[4] = {6, 12, 36, 24};
  const int* blocks = depth == 121 ? blocks121 : blocks161;
  const int bottleneck = 4 * growth;

  GraphBuilder b(info.model, info.dataset, info.input, info.classes);
  int x = b.conv2d("features.conv0", b.input(), conv(3, init_features, 3, 1, 1));  // [C0,32,32]
  x = b.relu(b.batch_norm("features.norm0", x), "features.relu0");  // ReLU modules: activation fault sites
  x = b.max_pool(x, pool(3, 2, 1));                                 // pool0: 32 -> 16, padding acts as -inf
  int c = init_features;
  for (int blk = 1; blk <= 4; ++blk) {
    for (int l = 1; l <= blocks[blk - 1]; ++l) {
      const std::string p = fmt::format("features.denseblock{}.denselayer{}", blk, l);
      int o = b.relu(b.batch_norm(p + ".norm1", x));
      o = b.conv2d(p + ".conv1", o, conv(c, bottleneck, 1));
      o = b.relu(b.batch_norm(p + ".norm2", o));
      o = b.conv2d(p + ".conv2", o, conv(bottleneck, growth, 3, 1, 1));  // [k,H,W]
      x = b.concat({x, o});  // existing channels first, the k new ones appended
      c += growth;
    }
    if (blk < 4) {
      const std::string p = fmt::format("features.transition{}", blk);
      x = b.relu(b.batch_norm(p + ".norm", x), p + ".relu");
      x = b.conv2d(p + ".conv", x, conv(c, c / 2, 1));
      x = b.avg_pool(x, pool(2, 2));
      c /= 2;
    }
  }
  x = b.relu(b.batch_norm("features.norm5", x));
  x = b.flatten(b.global_avg_pool(x));  // [C_final,1,1]
  return b.finish(b.linear("classifier", x, info.classes));
}

}  // namespace faultbench::zoo_detail
