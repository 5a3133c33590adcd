// Brute force for a transient activation fault: the oracle of the fast mode's activation
// path. Every node runs alone (Executor::run_node, never fused), so the faulty node's
// output (a conv's raw output, before its batch norm) exists as a value, and its element
// is changed in every image between that node and its readers, as a PyTorch forward hook
// changes a module's output.
#include <algorithm>

#include "engine_impl.h"
#include "faultbench/graph/executor_campaign.h"

namespace faultbench {

bool CampaignEngine::Impl::run_activation_brute_force(const ResolvedFault& f, FaultCounts& counts,
                                                      const std::atomic<bool>* stop) {
  const ExecutorSteps steps(*exec);
  const int k = classes();
  const size_t values = graph.values.size();
  // Each value is released after its last reader (the logits are kept).
  std::vector<int> last_use(values, -1);
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    for (int v : graph.nodes[i].inputs) last_use[size_t(v)] = int(i);
  const int64_t n = images.size();
  // Every value of a chunk is held at once in the worst case: a few images at a time.
  const int64_t step = std::clamp<int64_t>(options.max_chunk_images, 1, 32);
  const int64_t row = graph.values[size_t(graph.nodes[size_t(f.node)].output)].numel();
  counts = FaultCounts{};
  std::vector<std::vector<float>> vals(values);
  for (int64_t first = 0; first < n; first += step) {
    if (stop && stop->load()) return false;
    const int count = int(std::min(step, n - first));
    std::vector<float>& in = vals[size_t(graph.input_value)];
    in.resize(size_t(count) * size_t(graph.input_shape.numel()));
    images.normalize(first, count, in.data());
    std::vector<const float*> ins;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const Node& node = graph.nodes[i];
      if (node.kind == OpKind::Input) continue;
      ins.clear();
      for (int v : node.inputs) ins.push_back(vals[size_t(v)].data());
      std::vector<float>& out = vals[size_t(node.output)];
      out.resize(size_t(count) * size_t(graph.values[size_t(node.output)].numel()));
      steps.run_node(int(i), ins, out.data(), count, &exec->pool());
      if (int(i) == f.node)
        for (int j = 0; j < count; ++j) {
          float& v = out[size_t(j * row + f.offset)];
          v = apply_fault(v, f.bit, f.model);
        }
      for (int v : node.inputs)
        if (last_use[size_t(v)] == int(i) && v != graph.output_value) std::vector<float>().swap(vals[size_t(v)]);
    }
    const float* logits = vals[size_t(graph.output_value)].data();
    for (int j = 0; j < count; ++j) {
      const campaign_detail::ImageIndex img(first + j);
      classify_image(golden.logits(img), golden.top1(img), logits + int64_t(j) * k, k, golden.label(img), counts);
    }
  }
  return true;
}

}  // namespace faultbench
