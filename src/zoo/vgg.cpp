// Family D (MODELS.md §3.D): VGG with BatchNorm. CIFAR10 has an (identity) adaptive avgpool
// before the classifier; GTSRB has none.
#include <vector>

#include "families.h"
#include "faultbench/error.h"

namespace faultbench::zoo_detail {

namespace {
constexpr int M = 0;  // max-pool entry in a config
std::vector<int> vgg_config(int depth) {
  switch (depth) {
    case 11: return {64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M};
    case 13: return {64, 64, M, 128, 128, M, 256, 256, M, 512, 512, M, 512, 512, M};
    case 16: return {64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M, 512, 512, 512, M};
    case 19: return {64, 64, M, 128, 128, M, 256, 256, 256, 256, M, 512, 512, 512, 512, M, 512, 512, 512, 512, M};
  }
  FAULTBENCH_CHECK(false, "unknown vgg depth " + std::to_string(depth));
  return {};
}
}  // namespace

Graph build_vgg(const ModelInfo& info, int depth) {
  GraphBuilder b(info.model, info.dataset, info.input, info.classes);
  int x = b.input();
  int in = 3, index = 0;  // index counts every Sequential entry (conv, BN, ReLU, pool)
  for (int v : vgg_config(depth)) {
    if (v == M) {
      x = b.max_pool(x, pool(2, 2));  // floor: GTSRB 25 -> 12 and 3 -> 1 (quirk 7)
      index += 1;
      continue;
    }
    x = b.conv2d("features." + std::to_string(index), x, conv(in, v, 3, 1, 1, /*bias=*/true));
    // features.N+2 is an nn.ReLU module: an activation fault site.
    x = b.relu(b.batch_norm("features." + std::to_string(index + 1), x), "features." + std::to_string(index + 2));
    index += 3;
    in = v;
  }
  // Both datasets reach [512,1,1] here.
  if (info.dataset != "gtsrb") x = b.global_avg_pool(x);
  x = b.flatten(x);
  x = b.relu(b.linear("classifier.0", x, 4096), "classifier.1");  // classifier.2: Dropout, identity at eval
  x = b.relu(b.linear("classifier.3", x, 4096), "classifier.4");  // classifier.5: Dropout
  return b.finish(b.linear("classifier.6", x, info.classes));
}

}  // namespace faultbench::zoo_detail
