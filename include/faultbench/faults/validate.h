// Checking a fault list against a model, and loading a list for a campaign.
//
// Every rule violation is a FormatError "<file>:<line>: <rule>", e.g.
//   "ResNet20_FL.csv:7: unknown layer 'conv9' (the model has 20 conv/linear layers: conv1, ...)"
// Rules: known layer, index rank = weight rank, every index entry in 0..dim-1, bit in 0..31,
// no fault listed twice (same layer, index, bit and fault model), no Injection id twice,
// result columns complete. A list that fails is rejected whole: nothing runs on it.
#pragma once
#include <filesystem>
#include <vector>

#include "faultbench/faults/fault.h"
#include "faultbench/faults/keras.h"

namespace faultbench {

// Throws FormatError on the first violation, naming list.source and the fault's line.
// `sites` must be in the list's convention (keras_sites() for a Keras list).
void validate_fault_list(const FaultList& list, const std::vector<WeightSite>& sites);

// Reads `path` written in `convention`, validates it against the model's (PyTorch) sites
// and returns it in the PyTorch convention, ready for a campaign.
FaultList load_fault_list(const std::filesystem::path& path, const std::vector<WeightSite>& torch_sites,
                          Convention convention = Convention::Torch);

}  // namespace faultbench
