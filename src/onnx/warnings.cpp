// Warnings about imported graphs (onnx_graph_warnings).
#include <fmt/format.h>

#include "faultbench/onnx/import.h"

namespace faultbench {

std::vector<std::string> onnx_graph_warnings(const Graph& graph) {
  // Who reads each value: a Conv whose reader is a BatchNorm kept it separate.
  std::vector<std::vector<int>> readers(graph.values.size());
  for (size_t k = 0; k < graph.nodes.size(); ++k)
    for (int v : graph.nodes[k].inputs) readers[size_t(v)].push_back(int(k));
  // A folded Conv: a bias, no BatchNorm after it, and a weight the exporter computed rather
  // than a module's parameter: PyTorch names those "onnx::Conv_<n>" (a module's own weight
  // keeps its name, e.g. a squeeze-excitation's "se.fc1.weight", which is not folded).
  std::vector<std::string> folded;
  for (const Node& n : graph.nodes) {
    if (n.kind != OpKind::Conv2d || !std::get<Conv2dAttrs>(n.attrs).bias || n.params.empty()) continue;
    bool bn_after = false;
    for (int r : readers[size_t(n.output)]) bn_after = bn_after || graph.nodes[size_t(r)].kind == OpKind::BatchNorm2d;
    const std::string& weight = graph.params[size_t(n.params[0])].name;
    if (!bn_after && weight.starts_with("onnx::")) folded.push_back(n.name);
  }
  std::vector<std::string> out;
  if (!folded.empty())
    out.push_back(fmt::format(
        "{} Conv layer(s) ({}{}) have a bias, no BatchNormalization after them and weights the exporter computed "
        "(onnx::Conv_*): BatchNorm was probably folded into them, so their weights are not the trained network's and "
        "their faults are not its faults. Export with training=torch.onnx.TrainingMode.PRESERVE, "
        "do_constant_folding=False (docs/ONNX.md)",
        folded.size(), folded.front(), folded.size() > 1 ? fmt::format(", ... {}", folded.back()) : ""));
  return out;
}

}  // namespace faultbench
