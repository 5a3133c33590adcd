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
// bf16/fp16 graphs have a Round node after the conv, the batch norm and the add
// (apply_numerics); with `fuse_rounding` they join the chain, conv -> Round ->
// [batch_norm -> Round] -> [add -> Round] -> [relu], computed in the conv's epilogue
// (ConvEpilogue::round), or batch_norm -> Round -> [relu]: a member joins only with its
// Round, so every rounding the graph has stays where it is.
struct Step {
  int node = -1;
  int bn = -1, add = -1, relu = -1;  // fused followers, -1 when absent
  // The Round nodes after `node` (a conv or a batch norm), the batch norm and the add, -1
  // when absent; all of format `round` (bf16/fp16), or none.
  int node_round = -1, bn_round = -1, add_round = -1;
  RoundFormat round = RoundFormat::None;
  int residual = -1;            // the add's other operand (a value id)
  bool residual_first = false;  // the residual is the add's first operand
  std::vector<int> inputs;      // values read
  int output = -1;              // value written
  bool fused() const { return bn >= 0 || add >= 0 || relu >= 0 || node_round >= 0; }
  // Every member but `node`, forward order.
  std::vector<int> followers() const {
    std::vector<int> f;
    for (int m : {node_round, bn, bn_round, add, add_round, relu})
      if (m >= 0) f.push_back(m);
    return f;
  }
};

struct Plan {
  std::vector<Step> steps;
  std::vector<int> root;             // value -> value owning its buffer (flatten aliases its input)
  std::vector<int> slot;             // root value -> buffer slot; -1 for the input value
  std::vector<int64_t> slot_floats;  // per-image size of each slot
};

// fuse: the optimized variant's fusion; fuse_rounding: Round nodes join conv chains too.
Plan make_plan(const Graph& g, bool fuse, bool fuse_rounding = true);

}  // namespace faultbench::detail
