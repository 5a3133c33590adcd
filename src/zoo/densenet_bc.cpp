// Family F (MODELS.md §3.F): compact DenseNet-BC 121 for CIFAR100 and GTSRB.
// Quirks: top-level stem conv without BN/ReLU/pool, transitions without ReLU, and the last
// block named "dense_block3" instead of "dense_block_layer_3" (quirk 8).
#include <fmt/format.h>

#include "families.h"

namespace faultbench::zoo_detail {

Graph build_densenet_bc(const ModelInfo& info) {
  constexpr int kGrowth = 32, kBottleneck = 4 * kGrowth;
  const int blocks[4] = {6, 12, 24, 16};

  GraphBuilder b(info.model, info.dataset, info.input, info.classes);
  int x = b.conv2d("conv1", b.input(), conv(3, 2 * kGrowth, 3, 1, 1));  // [64,H,W]
  int c = 2 * kGrowth;
  for (int blk = 0; blk < 4; ++blk) {
    const std::string block =
        blk < 3 ? fmt::format("features.dense_block_layer_{}", blk) : std::string("features.dense_block3");
    for (int j = 0; j < blocks[blk]; ++j) {
      const std::string p = fmt::format("{}.bottle_neck_layer_{}.bottle_neck", block, j);
      int o = b.relu(b.batch_norm(p + ".0", x), p + ".1");  // ReLU modules: activation fault sites
      o = b.conv2d(p + ".2", o, conv(c, kBottleneck, 1));
      o = b.relu(b.batch_norm(p + ".3", o), p + ".4");
      o = b.conv2d(p + ".5", o, conv(kBottleneck, kGrowth, 3, 1, 1));
      x = b.concat({x, o});  // existing channels first
      c += kGrowth;
    }
    if (blk < 3) {
      const std::string p = fmt::format("features.transition_layer_{}.down_sample", blk);
      x = b.batch_norm(p + ".0", x);  // no ReLU in this transition
      x = b.conv2d(p + ".1", x, conv(c, c / 2, 1));
      x = b.avg_pool(x, pool(2, 2));  // floor: GTSRB 25 -> 12
      c /= 2;
    }
  }
  x = b.relu(b.batch_norm("features.bn", x), "features.relu");
  x = b.flatten(b.global_avg_pool(x));  // [1024,1,1]
  return b.finish(b.linear("linear", x, info.classes));
}

}  // namespace faultbench::zoo_detail
