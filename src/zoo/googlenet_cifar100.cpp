// Family H (MODELS.md §3.H): GoogLeNet for CIFAR100. Inception convs have biases, branch b3
// has three convs, and its middle BN uses eps = c5 (quirk 2: the channel count was passed
// as the positional eps argument when the reference was trained).
#include <string>

#include "families.h"

namespace faultbench::zoo_detail {

namespace {
struct InceptionCfg {
  const char* name;
  int in, c1, c3r, c3, c5r, c5, pp;
};

// conv (bias) -> BN(eps) -> ReLU, named <prefix>.<i>, <prefix>.<i+1> and <prefix>.<i+2>.
int conv_bn_relu(GraphBuilder& b, const std::string& prefix, int index, int x, Conv2dAttrs a, double eps = 1e-5) {
  x = b.conv2d(prefix + "." + std::to_string(index), x, a);
  // <prefix>.<i+2> is an nn.ReLU module: an activation fault site.
  return b.relu(b.batch_norm(prefix + "." + std::to_string(index + 1), x, eps),
                prefix + "." + std::to_string(index + 2));
}

int inception(GraphBuilder& b, const InceptionCfg& m, int x) {
  const std::string p = std::string(m.name) + ".";
  constexpr bool kBias = true;
  const int b1 = conv_bn_relu(b, p + "b1", 0, x, conv(m.in, m.c1, 1, 1, 0, kBias));
  int b2 = conv_bn_relu(b, p + "b2", 0, x, conv(m.in, m.c3r, 1, 1, 0, kBias));
  b2 = conv_bn_relu(b, p + "b2", 3, b2, conv(m.c3r, m.c3, 3, 1, 1, kBias));
  int b3 = conv_bn_relu(b, p + "b3", 0, x, conv(m.in, m.c5r, 1, 1, 0, kBias));
  b3 = conv_bn_relu(b, p + "b3", 3, b3, conv(m.c5r, m.c5, 3, 1, 1, kBias), /*eps=*/double(m.c5));
  b3 = conv_bn_relu(b, p + "b3", 6, b3, conv(m.c5, m.c5, 3, 1, 1, kBias));
  int b4 = b.max_pool(x, pool(3, 1, 1));  // b4.0, size-preserving
  b4 = conv_bn_relu(b, p + "b4", 1, b4, conv(m.in, m.pp, 1, 1, 0, kBias));
  return b.concat({b1, b2, b3, b4});
}

constexpr InceptionCfg k3[] = {{"a3", 192, 64, 96, 128, 16, 32, 32}, {"b3", 256, 128, 128, 192, 32, 96, 64}};
constexpr InceptionCfg k4[] = {{"a4", 480, 192, 96, 208, 16, 48, 64},
                               {"b4", 512, 160, 112, 224, 24, 64, 64},
                               {"c4", 512, 128, 128, 256, 24, 64, 64},
                               {"d4", 512, 112, 144, 288, 32, 64, 64},
                               {"e4", 528, 256, 160, 320, 32, 128, 128}};
constexpr InceptionCfg k5[] = {{"a5", 832, 256, 160, 320, 32, 128, 128}, {"b5", 832, 384, 192, 384, 48, 128, 128}};
}  // namespace

Graph build_googlenet_cifar100(const ModelInfo& info) {
  GraphBuilder b(info.model, info.dataset, info.input, info.classes);
  int x = conv_bn_relu(b, "prelayer", 0, b.input(), conv(3, 64, 3, 1, 1));
  x = conv_bn_relu(b, "prelayer", 3, x, conv(64, 64, 3, 1, 1));
  x = conv_bn_relu(b, "prelayer", 6, x, conv(64, 192, 3, 1, 1));  // [192,32,32]
  const PoolAttrs maxpool = pool(3, 2, 1);                        // one module, used three times
  x = b.max_pool(x, maxpool);                                     // -> 16
  for (const auto& m : k3) x = inception(b, m, x);
  x = b.max_pool(x, maxpool);  // -> 8
  for (const auto& m : k4) x = inception(b, m, x);
  x = b.max_pool(x, maxpool);  // -> 4
  for (const auto& m : k5) x = inception(b, m, x);
  x = b.flatten(b.global_avg_pool(x));  // [1024,1,1]; Dropout2d identity at eval
  return b.finish(b.linear("linear", x, info.classes));
}

}  // namespace faultbench::zoo_detail
