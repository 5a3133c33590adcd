// Inputs of the cluster rows of docs/ROBUSTNESS.md: the parts of a sharded campaign
// (`campaign --shard K/N`), made with the library in the scratch folder.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "faultbench/campaign/campaign.h"
#include "hostile_inputs.h"
#include "robustness_fixtures.h"

namespace faultbench::robustness::detail {

// Four faults (ResNet20, zero weights): two in conv1, one in layer1, one in the classifier.
inline const std::string kFourFaults =
    "Injection,Layer,TensorIndex,Bit\n0,conv1,\"(3, 0, 2, 1)\",15\n1,layer1.0.conv1,\"(7, 0, 2, 0)\",5\n"
    "2,conv1,\"(13, 0, 0, 0)\",30\n3,linear,\"(2, 26)\",4\n";

// Runs part k of n of the campaign on the inputs in `d` (weights, data, list.csv) into
// d/<name>, on the first `images` images (the whole list when n is 0).
inline void run_part(const fs::path& d, int k, int n, const std::string& name, int images = 2) {
  CampaignSpec spec;
  spec.model = "resnet20";
  spec.dataset = "cifar10";
  spec.weights = d / "w.safetensors";
  spec.data_dir = d / "data";
  spec.faults = d / "list.csv";
  spec.out = d / name;
  spec.images = ImageSelection{ImageSelectionKind::First, images, 0};
  spec.engine.threads = 1;
  if (n > 0) spec.shard = ShardSpec{k, n};
  run_campaign(spec);
}

// The inputs and parts p1.csv .. pN.csv of an n-way sharded campaign.
inline void parts_of(const fs::path& d, int n) {
  write_zero_weights("resnet20", "cifar10", d / "w.safetensors");
  write_cifar(d / "data" / "cifar-10-batches-bin" / "test_batch.bin", 10000, 3073);
  write_bytes(d / "list.csv", kFourFaults);
  for (int k = 1; k <= n; ++k) run_part(d, k, n, "p" + std::to_string(k) + ".csv");
}

// Edits the JSON sidecar of `csv` in place.
template <typename F>
void edit_sidecar(const fs::path& csv, F edit) {
  const fs::path path = csv.string() + ".json";
  std::ifstream in(path);
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(in);
  edit(j);
  write_bytes(path, j.dump(2) + "\n");
}

}  // namespace faultbench::robustness::detail
