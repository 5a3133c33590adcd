// Executor entry points for the campaign's activation faults: one element of one node's
// value changed in every image, the rest of the step applied to it (element_change,
// run_step_element). A fused step never stores its conv's raw output, so that value is
// recomputed for the one element with the reference sequence, which every path
// reproduces bit for bit (docs/DETERMINISM.md).
#include <string>

#include "executor_prepared.h"
#include "faultbench/error.h"
#include "faultbench/ops/conv2d_element.h"

namespace faultbench {

using detail::conv_shape;
using detail::node_label;
using detail::param_data;

namespace {
bool is_member(const detail::Step& st, int node) {
  return node == st.node || node == st.bn || node == st.add || node == st.relu;
}
}  // namespace

ChannelWeights Executor::element_change(int step, int node, int64_t element, std::function<float(float)> change) const {
  const Prepared& p = *prepared_;
  if (step < 0 || size_t(step) >= p.plan.steps.size())
    throw UsageError("executor: element_change: step " + std::to_string(step) + " out of range");
  const detail::Step& st = p.plan.steps[size_t(step)];
  if (node < 0 || size_t(node) >= graph_.nodes.size() || !is_member(st, node))
    throw UsageError("executor: element_change: node " + std::to_string(node) + " is not run by step " +
                     std::to_string(step));
  const int value = graph_.nodes[size_t(node)].output;
  // Stored (the step's output) or the raw value of the conv a fused step starts with; a
  // batch norm or add inside a fused step is neither.
  const bool raw_conv = node == st.node && graph_.nodes[size_t(node)].kind == OpKind::Conv2d;
  if (value != st.output && !raw_conv)
    throw UsageError("executor: element_change: the value of " + node_label(graph_, node) +
                     " is not stored by its step and is not a conv's raw output");
  const ValueShape& vs = graph_.values[size_t(value)];
  if (element < 0 || element >= vs.numel())
    throw UsageError("executor: element_change: element " + std::to_string(element) + " outside the " +
                     std::to_string(vs.numel()) + " values of " + node_label(graph_, node));
  ChannelWeights cw;
  cw.step = step;
  cw.channel = int(element / (int64_t(vs.h) * vs.w));
  cw.node = node;
  cw.element = element;
  cw.change = std::move(change);
  return cw;
}

void Executor::run_step_element(const ChannelWeights& cw, const std::vector<const float*>& inputs, float* output,
                                int batch) const {
  const Prepared& p = *prepared_;
  const detail::Step& st = p.plan.steps[size_t(cw.step)];
  const int64_t row = graph_.values[size_t(st.output)].numel();
  if (graph_.nodes[size_t(cw.node)].output == st.output) {  // the golden rows hold the value itself
    for (int i = 0; i < batch; ++i) {
      float& v = output[int64_t(i) * row + cw.element];
      v = cw.change(v);
    }
    return;
  }
  // The raw output of the conv starting a fused step: conv (+ bias), changed, then the
  // step's batch norm, add and ReLU, each as its unfused node computes it.
  const Node& n = graph_.nodes[size_t(st.node)];
  const ValueShape& out = graph_.values[size_t(n.output)];
  const ops::Conv2dShape s = conv_shape(graph_, n, batch);
  const int64_t plane = int64_t(out.h) * out.w, pos = cw.element % plane;
  const int co = cw.channel, oh = int(pos / out.w), ow = int(pos % out.w);
  const float* bias = std::get<Conv2dAttrs>(n.attrs).bias ? param_data(graph_, n, 1) : nullptr;
  ops::ConvEpilogue epi;
  if (st.bn >= 0) {
    epi.alpha = p.nodes[size_t(st.bn)].bn.alpha.data();
    epi.beta = p.nodes[size_t(st.bn)].bn.beta.data();
  }
  epi.residual_first = st.residual_first;
  epi.relu = st.relu >= 0;
  for (int i = 0; i < batch; ++i) {
    const float raw =
        cw.change(ops::conv2d_reference_element(s, inputs[0], p.weights(graph_, st.node), bias, i, co, oh, ow));
    const float* res = st.add >= 0 ? inputs.back() + int64_t(i) * row + cw.element : nullptr;
    ops::conv2d_epilogue(epi, co, &raw, res, output + int64_t(i) * row + cw.element, 1);
  }
}

}  // namespace faultbench
