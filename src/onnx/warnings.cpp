// Warnings about imported graphs (onnx_graph_warnings).
#include <fmt/format.h>

#include "faultbench/onnx/import.h"

namespace faultbench {

std::vector<std::string> onnx_graph_warnings(const Graph& graph) {
  // Who reads each value: a Conv whose only reader is a BatchNorm kept it separate.
  std::vector<std::vector<int>> readers(graph.values.size());
  bool suggests_bn = false;
  for (size_t k = 0; k < graph.nodes.size(); ++k) {
    for (int v : graph.nodes[k].inputs) readers[size_t(v)].push_back(int(k));
    if (graph.nodes[k].kind == OpKind::BatchNorm2d) suggests_bn = true;
  }
  for (const Param& p : graph.params)
    if (p.name.find("bn") != std::string::npos || p.name.find("batchnorm") != std::string::npos ||
        p.name.find("BatchNorm") != std::string::npos)
      suggests_bn = true;
  std::vector<std::string> folded;
  for (const Node& n : graph.nodes) {
    if (n.kind != OpKind::Conv2d || !std::get<Conv2dAttrs>(n.attrs).bias) continue;
    bool bn_after = false;
    for (int r : readers[size_t(n.output)]) bn_after = bn_after || graph.nodes[size_t(r)].kind == OpKind::BatchNorm2d;
    if (!bn_after) folded.push_back(n.name);
  }
  std::vector<std::string> out;
  if (suggests_bn && !folded.empty())
    out.push_back(fmt::format(
        "{} Conv layer(s) have a bias and no BatchNormalization after them ({}{}) in a graph whose names suggest "
        "BatchNorm: the exporter probably folded BatchNorm into them, so their weights are not the trained ones. "
        "Export with training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False (docs/ONNX.md)",
        folded.size(), folded.front(), folded.size() > 1 ? fmt::format(", ... {}", folded.back()) : ""));
  return out;
}

}  // namespace faultbench
