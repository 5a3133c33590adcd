// Transient activation faults (PyTorchFI's single-neuron model): one bit of one output
// value of a layer flipped in the forward pass of every image, one fault per inference.
//
// The sites are the outputs a PyTorch forward hook sees, named by module: every conv
// (its raw output, bias included, before any batch norm) and linear layer, and the
// activation modules a model has as modules (graph nodes that carry a module name: the
// ReLU modules of VGG, ResNet18, GoogLeNet-CIFAR100 and the DenseNets); an F.relu call has
// no module and is no site. tools/check_activation_sites.py checks every zoo pair against
// the PyTorch modules (same names, same order, each run once per forward). A site's shape is the
// output of one image: (C, H, W) for a conv or activation map, (N) for a linear layer; a
// list row's TensorIndex indexes it. A list records its target in its sidecar
// ("target": "activations"; list_sidecar.h): a campaign runs it with --target activations
// and refuses a list of the other target.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "faultbench/faults/fault.h"
#include "faultbench/graph.h"

namespace faultbench {

enum class FaultTarget { Weights, Activations };
const char* fault_target_name(FaultTarget target);  // "weights" | "activations"
std::optional<FaultTarget> parse_fault_target(std::string_view text);

// The activation sites of a graph in forward order, each with its per-image output shape.
std::vector<WeightSite> activation_sites(const Graph& graph);

// Whether node `node` is an activation site (activation_sites lists it).
bool is_activation_site(const Graph& graph, int node);

// Total number of output values over the sites (the population is this x 32 x 2).
inline int64_t total_values(const std::vector<WeightSite>& sites) { return total_weights(sites); }

// Reads `path` and validates it against the activation sites (FormatError "<file>:<line>:
// rule", as validate_fault_list, naming activation layers and output shapes), and one site
// per fault: rows sharing an Injection id are refused (a transient fault flips one value).
FaultList load_activation_list(const std::filesystem::path& path, const std::vector<WeightSite>& sites);

}  // namespace faultbench
