// Private to the executor: how it prepares and runs OpKind::Quantized nodes (--numerics
// int8; faultbench/graph/quantize.h builds them, docs/NUMERICS.md specifies them).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "faultbench/graph.h"
#include "faultbench/graph/executor_campaign.h"
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
// One output channel with weights of its own (the campaign's faulty channel,
// Executor::channel_weights / run_step_channel): `weights` is the channel's slice of codes
// as fp32 integers; prepares cw's codes and, optimized, its fp32 or int8 pack.
void quantized_channel_prepare(const Graph& g, const Node& n, const float* weights, bool optimized, ChannelWeights& cw);
// Writes channel cw.channel of `output` ([batch, out_c, h, w]) from x ([batch, in_c, h, w])
// with cw's weights and the node's own bias, multiplier and ReLU: the bits
// run_quantized_node gives with the slice in the weight tensor. Other channels are left.
void run_quantized_channel(const Graph& g, const Node& n, const ChannelWeights& cw, const float* x, float* output,
                           int batch, bool reference);
// needed and fill: as ops::qconv_optimized's (a conv of the optimized variant only:
// quantized_skips_positions).
void run_quantized_node(const Graph& g, const Node& n, const QuantizedPrep& prep,
                        const std::vector<const float*>& inputs, float* output, int batch, ThreadPool* pool,
                        bool reference, const uint64_t* needed = nullptr, const float* const* fill = nullptr);
// Whether run_quantized_node can skip output positions of n (an int8 conv over a map).
bool quantized_skips_positions(const Graph& g, const Node& n);

}  // namespace faultbench::detail
