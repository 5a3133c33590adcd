// The reference model zoo: the 19 model/dataset pairs of MODELS.md.
//
// Every graph is built so that Graph::params is exactly PyTorch's state_dict() of the
// reference module (names, shapes, order, BN num_batches_tracked included), because
// checkpoints are matched by key and fault lists address weights by (layer, index) in
// named_parameters() order. tests/zoo checks this against models.json.
#pragma once
#include <string>
#include <vector>

#include "faultbench/graph.h"

namespace faultbench {

struct ModelInfo {
  std::string model;           // CLI name: "resnet20", "vgg11_bn", "densenet121", ...
  std::string dataset;         // "cifar10" | "cifar100" | "gtsrb"
  std::string reference_name;  // models.json "model": "ResNet20", "VGG11_bn", "MobileNetV2", ...
  std::string fault_list;      // published torch fault list file name, "" when none (models.json)
  ValueShape input;            // per-image input, e.g. {3, 32, 32}
  int classes = 0;
};

// All 19 pairs, in MODELS.md summary-table order.
const std::vector<ModelInfo>& zoo_models();

// The entry for (model, dataset); throws UsageError naming the valid choices.
const ModelInfo& find_model(const std::string& model, const std::string& dataset);

// Builds the graph of (model, dataset) with zero-filled parameters.
// Throws UsageError naming the valid choices when the pair is not in the zoo.
Graph build_model(const std::string& model, const std::string& dataset);

}  // namespace faultbench
