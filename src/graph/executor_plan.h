// Private to the executor: graph validation, the step schedule (with operator fusion)
// and the activation-buffer plan.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "faultbench/graph.h"
#include "faultbench/ops/conv2d.h"
#include "faultbench/ops/pool.h"

namespace faultbench::detail {

// Throws UsageError("executor: node i (kind 'name'): rule") for the first broken rule.
void check_graph(const Graph& g);

std::string node_label(const Graph& g, int i);
ops::Conv2dShape conv_shape(const Graph& g, const Node& n, int batch);
ops::Pool2dShape pool_shape(const Graph& g, const Node& n, int batch);

// One unit of execution. Unfused: `node` alone. Fused (optimized variant only):
//   conv -> batch_norm -> [add] -> [relu], conv -> add/relu, or batch_norm -> relu,
// run where the last member stands; the intermediate values are never materialized
// (each has exactly one reader, the next member, and is not the graph output).
struct Step {
  int node = -1;
  int bn = -1, add = -1, relu = -1;  // fused followers, -1 when absent
  int residual = -1;                 // the add's other operand (a value id)
  bool residual_first = false;       // the residual is the add's first operand
  std::vector<int> inputs;           // values read
  int output = -1;                   // value written
  bool fused() const { return bn >= 0 || add >= 0 || relu >= 0; }
};

struct Plan {
  std::vector<Step> steps;
  std::vector<int> root;             // value -> value owning its buffer (flatten aliases its input)
  std::vector<int> slot;             // root value -> buffer slot; -1 for the input value
  std::vector<int64_t> slot_floats;  // per-image size of each slot
};

Plan make_plan(const Graph& g, bool fuse);

}  // namespace faultbench::detail
