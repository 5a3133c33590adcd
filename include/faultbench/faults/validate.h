// Checking a fault list against a model, and loading a list for a campaign.
//
// Every rule violation is a FormatError "<file>:<line>: <rule>", e.g.
//   "ResNet20_FL.csv:7: unknown layer 'conv9' (the model has 20 conv/linear layers: conv1, ...)"
// Rules: known layer, index rank = weight rank, every index entry in 0..dim-1, bit in 0..31,
// no fault listed twice (same layer, index, bit and fault model; a multi-site fault: the
// same set of sites), rows sharing an Injection id consecutive (they form one fault,
// fault_group.h) with no site twice in a fault and at most kMaxSitesPerFault sites,
// result columns complete. A list that fails is rejected whole: nothing runs on it.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "faultbench/faults/fault.h"
#include "faultbench/faults/keras.h"

namespace faultbench {

// How the messages name the sites: weights by default, activations (activation_sites.h):
// "activation layers", "output shape", and a rank mismatch says a weight index is not one.
struct SiteWords {
  const char* layers = "conv/linear layers";
  const char* shape = "shape";
  const char* rank_hint = "";  // appended to the rank message
  bool weights = true;         // an unknown "<layer>.bias" is told where bias sites exist
};

// Throws FormatError on the first violation, naming list.source and the fault's line.
// `sites` must be in the list's convention (keras_sites() for a Keras list).
void validate_fault_list(const FaultList& list, const std::vector<WeightSite>& sites, const SiteWords& words = {});

// Throws FormatError "<file>:<line>: bit B outside 0..W-1: the <numerics> weights have W
// bits" for the first fault whose bit the format does not have (bf16, fp16: 16 bits; int8:
// 8). A row naming one of `sites` with bits 32 (int8's int32 biases) has bits 0..31.
void check_fault_bits(const FaultList& list, Numerics numerics, const std::vector<WeightSite>& sites = {});

// Whether a list is written in the other convention than `expected`: every layer it names
// is a layer name of this model in the other convention and none in the expected one (the
// Keras names conv2d, conv2d_1, ..., dense are the auto-names Keras gave these layers). A
// cheap look at the names only; false for an empty list or a mix (validation then names
// the first unknown layer).
bool in_other_convention(const FaultList& list, const std::vector<WeightSite>& torch_sites, Convention expected);

// What a list is loaded for, so that a list in the wrong convention is told how to fix it.
struct ListPurpose {
  std::string model, dataset;  // the zoo model (named in the fix)
  bool converting = false;     // faultlist --convert: the list is the one being converted
};

// Reads `path` written in `convention`, validates it against the model's (PyTorch) sites
// and returns it in the PyTorch convention, ready for a campaign. With a purpose, a list
// entirely in the other convention is a UsageError saying so: for a campaign, with the
// exact `faultbench faultlist --convert` command that converts it; when converting, that
// it is already in the target convention.
FaultList load_fault_list(const std::filesystem::path& path, const std::vector<WeightSite>& torch_sites,
                          Convention convention = Convention::Torch, const ListPurpose* purpose = nullptr);

}  // namespace faultbench
