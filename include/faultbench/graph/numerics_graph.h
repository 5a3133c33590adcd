// A graph rewritten for a number format (faultbench/graph/numerics.h, docs/NUMERICS.md).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "faultbench/graph.h"
#include "faultbench/graph/numerics.h"

namespace faultbench {

struct NumericsReport {
  // bf16/fp16: parameters whose finite fp32 value became +-Inf in the conversion.
  int64_t overflowed = 0;
  std::string first_overflow;  // "layer1.0.conv1.weight[123]" of the first, "" if none
  // tf32 modes: the conv/linear layers whose operands are rounded to TF32, forward order.
  std::vector<std::string> tf32_layers;
};

// Rewrites `graph`, weights loaded, to compute in `numerics`; call once, before an
// executor is built. fp32 leaves the graph untouched. The TF32 modes mark the chosen
// conv/linear nodes (Node::weight_format: weights rounded when packed) and insert one
// Round node per value they read; bf16/fp16 convert every parameter to the format and
// insert a Round node after the input and after every node whose output need not be
// representable (everything but ReLU, max pooling, concatenation, ShortcutA, Flatten).
// Parameter indices, names and fault sites are unchanged; node and value ids change.
NumericsReport apply_numerics(Graph& graph, Numerics numerics);

// tf32-published: whether cuDNN ran conv/linear node `node` on tensor cores (TF32) in the
// published campaigns: a rule of the layer's shape, derived in docs/NUMERICS.md.
bool tf32_published_uses_tensor_cores(const Graph& graph, int node);

}  // namespace faultbench
