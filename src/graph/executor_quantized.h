// Private to the executor: how it prepares and runs OpKind::Quantized nodes (--numerics
// int8; faultbench/graph/quantize.h builds them, docs/NUMERICS.md specifies them).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "faultbench/graph.h"
#include "faultbench/ops/qconv.h"

namespace faultbench::detail {

// A quantized conv's weights: the int8 codes of its weight parameter (which holds them as
// fp32 integers, faults included) and, for the optimized variant, their packed copy.
struct QuantizedPrep {
  std::vector<int8_t> codes;
  ops::QConvPacked pack;
  std::vector<int32_t> bias;  // the int32 bias parameter's codes (faults included), or empty
};

ops::Conv2dShape qconv_shape(const Graph& g, const Node& n, int batch);
// After the weight or bias parameter changed (whole, or element `offset` of parameter `param` only).
void quantized_prepare(const Graph& g, const Node& n, QuantizedPrep& prep, bool optimized);
void quantized_set(const Graph& g, const Node& n, QuantizedPrep& prep, int param, int64_t offset, bool optimized);
// The node's shape and attribute rules (check_graph), `fail` throws.
void check_quantized_node(const Graph& g, const Node& n, const std::function<void(const std::string&)>& fail);
void run_quantized_node(const Graph& g, const Node& n, const QuantizedPrep& prep,
                        const std::vector<const float*>& inputs, float* output, int batch, ThreadPool* pool,
                        bool reference);

}  // namespace faultbench::detail
