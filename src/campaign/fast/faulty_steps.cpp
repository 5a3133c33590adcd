#include "faulty_steps.h"

#include <map>
#include <utility>

#include "faultbench/error.h"

namespace faultbench::campaign_detail {

namespace {

// Where a weight's elements sit relative to the output channels of its node.
struct ChannelLayout {
  int64_t per_channel = 0;  // elements feeding one output channel
  int outputs = 0;
  bool strided = false;  // a linear weight stored [in, out] (ONNX Gemm transB = 0, MatMul; int8 weight_kn)

  int channel_of(int64_t offset) const { return int(strided ? offset % outputs : offset / per_channel); }
  // The element's place in its channel's slice.
  int64_t in_slice(int64_t offset) const { return strided ? offset / outputs : offset % per_channel; }
  // Element i of channel c's slice.
  int64_t element(int channel, int64_t i) const {
    return strided ? i * outputs + channel : int64_t(channel) * per_channel + i;
  }
};

ChannelLayout layout_of(const Graph& g, const ResolvedSite& s) {
  const Node& node = g.nodes[size_t(s.node)];
  const Param& param = g.params[size_t(s.param)];
  ChannelLayout l;
  l.outputs = g.values[size_t(node.output)].c;
  l.per_channel = param.value.size() / l.outputs;
  l.strided = (node.kind == OpKind::Linear && std::get<LinearAttrs>(node.attrs).weight_transposed) ||
              (node.kind == OpKind::Quantized && std::get<QuantizedAttrs>(node.attrs).weight_kn);
  return l;
}

}  // namespace

bool is_channel_weight_node(const Node& n) {
  return n.kind == OpKind::Conv2d || n.kind == OpKind::Linear ||
         (n.kind == OpKind::Quantized && std::get<QuantizedAttrs>(n.attrs).op == QuantOp::Conv);
}

std::vector<FaultyStep> faulty_steps(const Graph& g, ExecutorSteps exec, const StepIndex& index,
                                     const ResolvedFault& fault) {
  if (fault.activation) {
    // One value of one channel changes: the step's golden rows with that element changed
    // (a fused conv's raw value recomputed; Executor::element_change). Everything after it
    // is the weight path's: the changed plane's position bitmap, golden leading channels.
    const StepId step = index.step_of_node[size_t(fault.node)];
    const int bit = fault.bit;
    const FaultModel model = fault.model;
    return {FaultyStep{step, {exec.element_change(step.value(), fault.node, fault.offset, [bit, model](float v) {
                         return apply_fault(v, bit, model);
                       })}}};
  }
  // The sites by (step, channel), each channel's in the fault's order.
  std::map<std::pair<StepId, int>, std::vector<ResolvedSite>> by_channel;
  for (const ResolvedSite& s : fault.sites()) {
    const StepId step = index.step_of_node[size_t(s.node)];
    if (step_at(exec, step).node != s.node || !is_channel_weight_node(g.nodes[size_t(s.node)]))
      throw_internal(__FILE__, __LINE__, "a fault site is not the weight of a conv or linear step");
    by_channel[{step, layout_of(g, s).channel_of(s.offset)}].push_back(s);
  }
  std::vector<FaultyStep> out;
  for (const auto& [at, sites] : by_channel) {
    const auto& [step, channel] = at;
    const ChannelLayout l = layout_of(g, sites.front());
    const std::vector<float>& weights = g.params[size_t(sites.front().param)].value.data;
    std::vector<float> slice(size_t(l.per_channel));
    for (int64_t i = 0; i < l.per_channel; ++i) slice[size_t(i)] = weights[size_t(l.element(channel, i))];
    for (const ResolvedSite& s : sites) {
      float& w = slice[size_t(l.in_slice(s.offset))];
      w = apply_fault(w, s.bit, s.model, g.numerics);
    }
    if (out.empty() || out.back().step != step) out.push_back(FaultyStep{step, {}});
    out.back().channels.push_back(exec.channel_weights(step.value(), channel, slice.data()));
  }
  return out;
}

std::vector<StepId> step_ids(const std::vector<FaultyStep>& steps) {
  std::vector<StepId> ids;
  for (const FaultyStep& s : steps) ids.push_back(s.step);
  return ids;
}

}  // namespace faultbench::campaign_detail
