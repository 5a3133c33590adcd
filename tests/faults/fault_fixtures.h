// Shared fixtures of the fault-list tests: the 15 published lists and the weight sites of
// their models, read from models.json (independent of the zoo) or built by the zoo.
#pragma once
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "faultbench/faults/fault.h"

namespace faultbench::testing {

struct PublishedList {
  std::string model;      // CLI name
  std::string dataset;    // CLI name
  std::string reference;  // models.json "model"
  std::string dir;        // CIFAR10 | CIFAR100 | GTSRB
  std::string torch_file;
  std::string keras_file;
};

inline const std::vector<PublishedList>& published_lists() {
  static const std::vector<PublishedList> lists = {
      {"resnet20", "cifar10", "ResNet20", "CIFAR10", "ResNet20_FL.csv", "ResNet20_TF_FL.csv"},
      {"resnet32", "cifar10", "ResNet32", "CIFAR10", "ResNet32_FL.csv", "ResNet32_TF_FL.csv"},
      {"resnet44", "cifar10", "ResNet44", "CIFAR10", "ResNet44_FL.csv", "ResNet44_TF_FL.csv"},
      {"mobilenetv2", "cifar10", "MobileNetV2", "CIFAR10", "Mobilenetv2_FL.csv", "mobilenetv2_cifar10_TF_FL.csv"},
      {"vgg11_bn", "cifar10", "VGG11_bn", "CIFAR10", "Vgg11_bn_FL.csv", "Vgg11_bn_TF_FL.csv"},
      {"vgg13_bn", "cifar10", "VGG13_bn", "CIFAR10", "Vgg13_bn_FL.csv", "Vgg13_bn_TF_FL.csv"},
      {"densenet121", "cifar10", "DenseNet121", "CIFAR10", "DenseNet121_FL.csv", "DenseNet121_TF_FL.csv"},
      {"densenet161", "cifar10", "DenseNet161", "CIFAR10", "DenseNet161_FL.csv", "DenseNet161_TF_FL.csv"},
      {"googlenet", "cifar10", "GoogLeNet", "CIFAR10", "GoogLeNet_FL.csv", "googlenet_cifar10_TF_FL.csv"},
      {"resnet18", "cifar100", "ResNet18", "CIFAR100", "ResNet18_CIFAR100_FL.csv", "ResNet18_TF_FL.csv"},
      {"densenet121", "cifar100", "DenseNet121", "CIFAR100", "DenseNet121_CIFAR100_FL.csv", "DenseNet121_TF_FL.csv"},
      {"googlenet", "cifar100", "GoogLeNet", "CIFAR100", "GoogLeNet_CIFAR100_FL.csv", "googlenet_cifar100_TF_FL.csv"},
      {"resnet20", "gtsrb", "ResNet20", "GTSRB", "ResNet20_GTSRB_FL.csv", "ResNet20_TF_FL.csv"},
      {"densenet121", "gtsrb", "DenseNet121", "GTSRB", "DenseNet121_GTSRB_FL.csv", "DenseNet121_TF_FL.csv"},
      {"vgg11_bn", "gtsrb", "VGG11_bn", "GTSRB", "Vgg11_bn_GTSRB_FL.csv", "Vgg11_bn_TF_FL.csv"},
  };
  return lists;
}

inline std::filesystem::path torch_list_path(const std::filesystem::path& data, const PublishedList& l) {
  return data / "faultlists" / "torch" / l.dir / l.torch_file;
}
inline std::filesystem::path keras_list_path(const std::filesystem::path& data, const PublishedList& l) {
  return data / "faultlists" / "tensorflow" / l.dir / l.keras_file;
}

// Conv/linear weights of (reference model, dataset dir) from <data>/../spec/models.json,
// in named_parameters() order; empty when the entry is missing.
inline std::vector<WeightSite> json_sites(const std::filesystem::path& data, const std::string& reference,
                                          const std::string& dir) {
  std::ifstream in(data / ".." / "spec" / "models.json");
  if (!in) return {};
  const nlohmann::json spec = nlohmann::json::parse(in);
  std::vector<WeightSite> sites;
  for (const auto& m : spec) {
    if (m.at("model") != reference || m.at("dataset") != dir) continue;
    for (const auto& p : m.at("parameters")) {
      const std::string name = p.at(0);
      Shape shape = p.at(1).get<Shape>();
      if (shape.size() >= 2 && name.ends_with(".weight"))
        sites.push_back(WeightSite{name.substr(0, name.size() - 7), shape});
    }
  }
  return sites;
}

// "layer [shape]" per site, one per line: readable gtest diffs of site lists.
inline std::string describe_sites(const std::vector<WeightSite>& sites) {
  std::string out;
  for (const WeightSite& s : sites) out += s.layer + " " + shape_to_string(s.shape) + "\n";
  return out;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace faultbench::testing

namespace faultbench {
// gtest printers (found by ADL) so that failures show sites instead of bytes.
inline void PrintTo(const WeightSite& s, std::ostream* os) { *os << s.layer << " " << shape_to_string(s.shape); }
inline void PrintTo(const FaultSite& s, std::ostream* os) {
  *os << s.layer << " (";
  for (size_t i = 0; i < s.index.size(); ++i) *os << (i ? ", " : "") << s.index[i];
  *os << ") bit " << s.bit;
}
inline void PrintTo(const Fault& f, std::ostream* os) {
  *os << "#" << f.injection << " ";
  PrintTo(f.site, os);
  *os << " " << fault_model_name(f.model);
}
}  // namespace faultbench
