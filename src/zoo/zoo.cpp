// The zoo registry: the 19 (model, dataset) pairs of MODELS.md §0 and their builders.
#include "faultbench/zoo/zoo.h"

#include <algorithm>
#include <functional>

#include "families.h"
#include "faultbench/error.h"

namespace faultbench {

namespace {
using zoo_detail::build_densenet;
using zoo_detail::build_resnet_cifar;
using zoo_detail::build_vgg;
using Builder = std::function<Graph(const ModelInfo&)>;

struct Entry {
  ModelInfo info;
  Builder build;
};

constexpr ValueShape kCifar{3, 32, 32};
constexpr ValueShape kGtsrb{3, 50, 50};

const std::vector<Entry>& entries() {
  static const std::vector<Entry> table = [] {
    auto resnet = [](int d) { return [d](const ModelInfo& i) { return build_resnet_cifar(i, d); }; };
    auto vgg = [](int d) { return [d](const ModelInfo& i) { return build_vgg(i, d); }; };
    auto densenet = [](int d) { return [d](const ModelInfo& i) { return build_densenet(i, d); }; };
    return std::vector<Entry>{
        {{"resnet20", "cifar10", "ResNet20", "ResNet20_FL.csv", kCifar, 10}, resnet(20)},
        {{"resnet32", "cifar10", "ResNet32", "ResNet32_FL.csv", kCifar, 10}, resnet(32)},
        {{"resnet44", "cifar10", "ResNet44", "ResNet44_FL.csv", kCifar, 10}, resnet(44)},
        {{"resnet56", "cifar10", "ResNet56", "", kCifar, 10}, resnet(56)},
        {{"resnet110", "cifar10", "ResNet110", "", kCifar, 10}, resnet(110)},
        {{"mobilenetv2", "cifar10", "MobileNetV2", "Mobilenetv2_FL.csv", kCifar, 10}, zoo_detail::build_mobilenetv2},
        {{"vgg11_bn", "cifar10", "VGG11_bn", "Vgg11_bn_FL.csv", kCifar, 10}, vgg(11)},
        {{"vgg13_bn", "cifar10", "VGG13_bn", "Vgg13_bn_FL.csv", kCifar, 10}, vgg(13)},
        {{"vgg16_bn", "cifar10", "VGG16_bn", "", kCifar, 10}, vgg(16)},
        {{"vgg19_bn", "cifar10", "VGG19_bn", "", kCifar, 10}, vgg(19)},
        {{"densenet121", "cifar10", "DenseNet121", "DenseNet121_FL.csv", kCifar, 10}, densenet(121)},
        {{"densenet161", "cifar10", "DenseNet161", "DenseNet161_FL.csv", kCifar, 10}, densenet(161)},
        {{"googlenet", "cifar10", "GoogLeNet", "GoogLeNet_FL.csv", kCifar, 10}, zoo_detail::build_googlenet_cifar10},
        {{"resnet18", "cifar100", "ResNet18", "ResNet18_CIFAR100_FL.csv", kCifar, 100}, zoo_detail::build_resnet18},
        {{"densenet121", "cifar100", "DenseNet121", "DenseNet121_CIFAR100_FL.csv", kCifar, 100},
         zoo_detail::build_densenet_bc},
        {{"googlenet", "cifar100", "GoogLeNet", "GoogLeNet_CIFAR100_FL.csv", kCifar, 100},
         zoo_detail::build_googlenet_cifar100},
        {{"resnet20", "gtsrb", "ResNet20", "ResNet20_GTSRB_FL.csv", kGtsrb, 43}, resnet(20)},
        {{"densenet121", "gtsrb", "DenseNet121", "DenseNet121_GTSRB_FL.csv", kGtsrb, 43},
         zoo_detail::build_densenet_bc},
        {{"vgg11_bn", "gtsrb", "VGG11_bn", "Vgg11_bn_GTSRB_FL.csv", kGtsrb, 43}, vgg(11)},
    };
  }();
  return table;
}

// "resnet20, resnet32, ..." for one dataset, or "cifar10, cifar100, gtsrb" when dataset is "".
std::string choices(const std::string& dataset) {
  std::vector<std::string> seen;
  for (const Entry& e : entries()) {
    if (!dataset.empty() && e.info.dataset != dataset) continue;
    const std::string& word = dataset.empty() ? e.info.dataset : e.info.model;
    if (std::find(seen.begin(), seen.end(), word) == seen.end()) seen.push_back(word);
  }
  std::string out;
  for (const std::string& w : seen) out += (out.empty() ? "" : ", ") + w;
  return out;
}

const Entry& find_entry(const std::string& model, const std::string& dataset) {
  // A tensor dataset (--dataset npy) brings its own images: the zoo model is then named alone,
  // and must be in the zoo once (resnet20 exists for cifar10 and for gtsrb).
  if (dataset == "npy") {
    std::vector<const Entry*> found;
    std::string where;
    for (const Entry& e : entries()) {
      if (e.info.model != model) continue;
      found.push_back(&e);
      where += (where.empty() ? "" : " and ") + e.info.dataset;
    }
    if (found.size() == 1) return *found.front();
    if (found.empty()) throw UsageError("unknown model '" + model + "': not in the zoo");
    throw UsageError("model '" + model + "' is in the zoo for " + where +
                     ": with --dataset npy, name a zoo model that is there once, or use its ONNX export");
  }
  bool dataset_known = false;
  for (const Entry& e : entries()) {
    if (e.info.dataset != dataset) continue;
    dataset_known = true;
    if (e.info.model == model) return e;
  }
  if (!dataset_known) throw UsageError("unknown dataset '" + dataset + "': valid datasets are " + choices(""));
  throw UsageError("unknown model '" + model + "' for dataset " + dataset + ": valid models are " + choices(dataset));
}
}  // namespace

const std::vector<ModelInfo>& zoo_models() {
  static const std::vector<ModelInfo> models = [] {
    std::vector<ModelInfo> out;
    for (const Entry& e : entries()) out.push_back(e.info);
    return out;
  }();
  return models;
}

const ModelInfo& find_model(const std::string& model, const std::string& dataset) {
  return find_entry(model, dataset).info;
}

Graph build_model(const std::string& model, const std::string& dataset) {
  const Entry& e = find_entry(model, dataset);
  return e.build(e.info);
}

}  // namespace faultbench
