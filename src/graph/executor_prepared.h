// Private to the executor (executor.cpp, executor_steps.cpp): what it prepares once per
// graph: packed weights and folded constants per node, the step plan, buffer arenas.
#pragma once
#include <vector>

#include "executor_plan.h"
#include "executor_quantized.h"
#include "faultbench/graph/executor_campaign.h"
#include "faultbench/ops/batch_norm.h"
#include "faultbench/ops/conv2d.h"
#include "faultbench/ops/linear.h"

namespace faultbench {

namespace detail {
inline const float* param_data(const Graph& g, const Node& n, size_t i) {
  return g.params[size_t(n.params.at(i))].value.ptr();
}
}  // namespace detail

struct Executor::Prepared {
  struct NodePrep {
    ops::Conv2dPacked conv;
    ops::BatchNormFolded bn;
    ops::LinearPacked linear;
    // Conv/linear with Node::weight_format: the weights rounded to it (what the reference
    // kernels read and the optimized ones pack).
    std::vector<float> rounded;
    detail::QuantizedPrep quant;  // OpKind::Quantized conv/linear: int8 codes (and their pack)
  };
  // The weights node `n`'s kernels multiply with: the rounded copy or the parameter.
  const float* weights(const Graph& g, int node) const {
    const NodePrep& p = nodes[size_t(node)];
    return g.nodes[size_t(node)].weight_format != RoundFormat::None ? p.rounded.data()
                                                                    : detail::param_data(g, g.nodes[size_t(node)], 0);
  }
  struct Arena {
    int capacity = 0;  // images
    std::vector<AlignedBuffer> slots;
  };
  std::vector<NodePrep> nodes;
  detail::Plan plan;
  std::vector<ExecStep> steps;  // plan.steps as the public API describes them
  std::vector<Arena> arenas;    // one per worker

  void reserve(Arena& a, int images) const {
    if (a.capacity >= images) return;
    a.slots.resize(plan.slot_floats.size());
    for (size_t s = 0; s < plan.slot_floats.size(); ++s)
      a.slots[s].resize(size_t(plan.slot_floats[s]) * size_t(images));
    a.capacity = images;
  }
};

}  // namespace faultbench
