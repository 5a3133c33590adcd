#include "faultbench/faults/activation_sites.h"

#include <fmt/format.h>

#include "faultbench/error.h"
#include "faultbench/faults/fault_group.h"
#include "faultbench/faults/fault_list_csv.h"
#include "faultbench/faults/validate.h"

namespace faultbench {

const char* fault_target_name(FaultTarget target) {
  return target == FaultTarget::Activations ? "activations" : "weights";
}

std::optional<FaultTarget> parse_fault_target(std::string_view text) {
  if (text == "weights") return FaultTarget::Weights;
  if (text == "activations") return FaultTarget::Activations;
  return std::nullopt;
}

bool is_activation_site(const Graph& graph, int node) {
  if (node < 0 || size_t(node) >= graph.nodes.size()) return false;
  const Node& n = graph.nodes[size_t(node)];
  switch (n.kind) {
    case OpKind::Conv2d:
    case OpKind::Linear: return !n.name.empty();
    // An activation module: the zoo names the ReLU nodes that are modules in PyTorch.
    case OpKind::ReLU:
    case OpKind::Unary: return !n.name.empty();
    default: return false;
  }
}

std::vector<WeightSite> activation_sites(const Graph& graph) {
  std::vector<WeightSite> sites;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (!is_activation_site(graph, int(i))) continue;
    const Node& n = graph.nodes[i];
    const ValueShape& v = graph.values[size_t(n.output)];
    // A linear layer's output is (N) in PyTorch; everything else a (C, H, W) map.
    sites.push_back(WeightSite{n.name, n.kind == OpKind::Linear ? Shape{v.c} : Shape{v.c, v.h, v.w}});
  }
  return sites;
}

FaultList load_activation_list(const std::filesystem::path& path, const std::vector<WeightSite>& sites) {
  FaultList list = read_fault_list(path);
  const SiteWords words{"activation layers", "output shape",
                        "; an activation index is (c, h, w) or (n): is this a weight fault list?", false};
  validate_fault_list(list, sites, words);
  for (const FaultGroup& g : fault_groups(list))
    if (g.count > 1) {
      const size_t i = g.first + 1;
      const std::string where = i < list.lines.size() ? fmt::format("{}:{}", list.source, list.lines[i])
                                                      : fmt::format("{}: row {}", list.source, i);
      throw FormatError(
          fmt::format("{}: fault {} has {} rows: an activation fault flips one value (one row per "
                      "Injection id)",
                      where, g.injection, g.count));
    }
  return list;
}

}  // namespace faultbench
