// Family G (MODELS.md §3.G): torchvision-style GoogLeNet for CIFAR10.
// Every BasicConv2d is conv (no bias) -> BN with eps 1e-3 (quirk 1) -> ReLU.
#include <string>

#include "families.h"

namespace faultbench::zoo_detail {

namespace {
constexpr double kEps = 1e-3;

int basic_conv(GraphBuilder& b, const std::string& name, int x, Conv2dAttrs a) {
  x = b.conv2d(name + ".conv", x, a);
  return b.relu(b.batch_norm(name + ".bn", x, kEps));
}

struct InceptionCfg {
  const char* name;
  int in, c1, c3r, c3, c5r, c5, pp;
};

int inception(GraphBuilder& b, const InceptionCfg& m, int x) {
  const std::string p = std::string(m.name) + ".";
  const int b1 = basic_conv(b, p + "branch1", x, conv(m.in, m.c1, 1));
  int b2 = basic_conv(b, p + "branch2.0", x, conv(m.in, m.c3r, 1));
  b2 = basic_conv(b, p + "branch2.1", b2, conv(m.c3r, m.c3, 3, 1, 1));
  int b3 = basic_conv(b, p + "branch3.0", x, conv(m.in, m.c5r, 1));
  b3 = basic_conv(b, p + "branch3.1", b3, conv(m.c5r, m.c5, 3, 1, 1));  // 3x3, not 5x5
  int b4 = b.max_pool(x, pool(3, 1, 1, /*ceil_mode=*/true));            // size-preserving
  b4 = basic_conv(b, p + "branch4.1", b4, conv(m.in, m.pp, 1));
  return b.concat({b1, b2, b3, b4});
}

constexpr InceptionCfg k3[] = {{"inception3a", 192, 64, 96, 128, 16, 32, 32},
                               {"inception3b", 256, 128, 128, 192, 32, 96, 64}};
constexpr InceptionCfg k4[] = {{"inception4a", 480, 192, 96, 208, 16, 48, 64},
                               {"inception4b", 512, 160, 112, 224, 24, 64, 64},
                               {"inception4c", 512, 128, 128, 256, 24, 64, 64},
                               {"inception4d", 512, 112, 144, 288, 32, 64, 64},
                               {"inception4e", 528, 256, 160, 320, 32, 128, 128}};
constexpr InceptionCfg k5[] = {{"inception5a", 832, 256, 160, 320, 32, 128, 128},
                               {"inception5b", 832, 384, 192, 384, 48, 128, 128}};
}  // namespace

Graph build_googlenet_cifar10(const ModelInfo& info) {
  GraphBuilder b(info.model, info.dataset, info.input, info.classes);
  int x = basic_conv(b, "conv1", b.input(), conv(3, 192, 3, 1, 1));  // [192,32,32]
  for (const auto& m : k3) x = inception(b, m, x);                   // [480,32,32]
  x = b.max_pool(x, pool(3, 2, 1));                                  // maxpool3 -> 16
  for (const auto& m : k4) x = inception(b, m, x);                   // [832,16,16]
  x = b.max_pool(x, pool(3, 2, 1));                                  // maxpool4 -> 8
  for (const auto& m : k5) x = inception(b, m, x);                   // [1024,8,8]
  x = b.flatten(b.global_avg_pool(x));                               // dropout: identity
  return b.finish(b.linear("fc", x, info.classes));
}

}  // namespace faultbench::zoo_detail
