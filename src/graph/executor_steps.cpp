// Executor entry points for one step of the schedule: run_step (what forward runs per
// step, used by the campaign to recompute suffixes) and run_step_channel (one output
// channel with its own weights: the campaign's faulty channel).
#include <cstring>
#include <string>

#include "executor_prepared.h"
#include "faultbench/error.h"
#include "faultbench/ops/elementwise.h"
#include "faultbench/ops/rounding.h"

namespace faultbench {

using detail::conv_shape;
using detail::node_label;
using detail::param_data;

const std::vector<ExecStep>& Executor::steps() const { return prepared_->steps; }

namespace {
ops::Rounding epilogue_rounding(RoundFormat f) {
  return f == RoundFormat::Bf16   ? ops::Rounding::Bf16
         : f == RoundFormat::Fp16 ? ops::Rounding::Fp16
                                  : ops::Rounding::None;
}

// The fused batch norm (folded: bn, or null), residual add, roundings and ReLU of a conv
// step, from output channel `co` on (0: the whole layer; the faulty channel's one-channel
// conv: its own). The one place that decides a conv step's epilogue, for every way a step
// runs (whole, in slices, one channel, some positions), so that all give the same bits.
ops::ConvEpilogue conv_epilogue(const detail::Step& st, const ops::BatchNormFolded* bn, const float* residual,
                                int co = 0) {
  ops::ConvEpilogue epi;
  if (bn) {
    epi.alpha = bn->alpha.data() + co;
    epi.beta = bn->beta.data() + co;
  }
  if (st.add >= 0) epi.residual = residual;
  epi.residual_first = st.residual_first;
  epi.relu = st.relu >= 0;
  epi.round = epilogue_rounding(st.round);
  return epi;
}

// The argument rules shared by run_step and run_step_segment (`what` names the call).
const detail::Step& checked_step(const std::vector<detail::Step>& steps, const Graph& g, int step, size_t inputs,
                                 int batch, const char* what) {
  if (step < 0 || size_t(step) >= steps.size())
    throw UsageError(std::string("executor: ") + what + ": step " + std::to_string(step) + " out of range");
  const detail::Step& st = steps[size_t(step)];
  if (inputs != st.inputs.size())
    throw UsageError(std::string("executor: ") + what + ": " + node_label(g, st.node) + " step takes " +
                     std::to_string(st.inputs.size()) + " inputs, got " + std::to_string(inputs));
  if (batch < 0) throw UsageError(std::string("executor: ") + what + ": negative batch");
  return st;
}
}  // namespace

void Executor::run_step(int step, const std::vector<const float*>& inputs, float* output, int batch, ThreadPool* pool,
                        const uint64_t* needed, const float* const* fill) const {
  const Prepared& p = *prepared_;
  const detail::Step& st = checked_step(p.plan.steps, graph_, step, inputs.size(), batch, "run_step");
  const Node& n = graph_.nodes[size_t(st.node)];
  if (batch == 0) return;
  if (needed && n.kind == OpKind::Quantized && step_skips_positions(step))  // an int8 conv
    return detail::run_quantized_node(graph_, n, p.nodes[size_t(st.node)].quant, inputs, output, batch, pool, false,
                                      needed, fill);
  if (n.kind != OpKind::Conv2d) {
    if (!st.fused()) {
      run_node(st.node, inputs, output, batch, pool);
    } else if (st.node_round < 0) {  // batch_norm -> relu
      const ValueShape& vs = graph_.values[size_t(n.output)];
      ops::batch_norm2d_optimized({batch, vs.c, vs.h, vs.w}, inputs[0], p.nodes[size_t(st.node)].bn, output, pool,
                                  true);
    } else {  // batch_norm -> Round -> [relu]: in place, on the batch norm's output
      const ValueShape& vs = graph_.values[size_t(n.output)];
      ops::batch_norm2d_optimized({batch, vs.c, vs.h, vs.w}, inputs[0], p.nodes[size_t(st.node)].bn, output, pool,
                                  false);
      const ops::ElementwiseShape es{int64_t(batch) * vs.numel()};
      ops::round_values(epilogue_rounding(st.round), output, es.count);
      if (st.relu >= 0) ops::relu_optimized(es, output, output, pool);
    }
    return;
  }
  const auto s = conv_shape(graph_, n, batch);
  const float* bias = std::get<Conv2dAttrs>(n.attrs).bias ? param_data(graph_, n, 1) : nullptr;
  if (options_.variant == KernelVariant::Reference) {  // never fused: the node alone
    ops::conv2d_reference(s, inputs[0], p.weights(graph_, st.node), bias, output);
    return;
  }
  const ops::ConvEpilogue epi =
      conv_epilogue(st, st.bn >= 0 ? &p.nodes[size_t(st.bn)].bn : nullptr, st.add >= 0 ? inputs.back() : nullptr);
  ops::conv2d_optimized(s, inputs[0], p.nodes[size_t(st.node)].conv, bias, output, pool, epi, needed, fill);
}

bool Executor::step_skips_positions(int step) const {
  const Prepared& p = *prepared_;
  if (step < 0 || size_t(step) >= p.plan.steps.size() || options_.variant != KernelVariant::Optimized) return false;
  const int node = p.plan.steps[size_t(step)].node;
  if (graph_.nodes[size_t(node)].kind == OpKind::Quantized)  // the integer kernel skips tiles of positions
    return detail::quantized_skips_positions(graph_, graph_.nodes[size_t(node)]);
  if (graph_.nodes[size_t(node)].kind != OpKind::Conv2d) return false;
  // As the campaign runs steps: single-threaded, with a bitmap (any batch: the rule for
  // a bitmap does not depend on it).
  ops::Conv2dCall call;
  call.needed = true;
  return ops::choose_conv2d_path(p.nodes[size_t(node)].conv, call) == ops::Conv2dPath::Sparse;
}

bool Executor::step_resumable(int step) const {
  const Prepared& p = *prepared_;
  if (step < 0 || size_t(step) >= p.plan.steps.size()) return false;
  const int node = p.plan.steps[size_t(step)].node;
  const Node& n = graph_.nodes[size_t(node)];
  if (n.kind != OpKind::Conv2d || !ops::conv2d_segment_supported(conv_shape(graph_, n, 1))) return false;
  return options_.variant == KernelVariant::Reference || p.nodes[size_t(node)].conv.sparse_capable();
}

void Executor::run_step_segment(int step, const std::vector<const float*>& inputs, const ops::Conv2dSegment& seg,
                                float* output, int batch, ThreadPool* pool) const {
  if (!step_resumable(step))
    throw UsageError("executor: run_step_segment: step " + std::to_string(step) +
                     " is not a conv whose reduction splits by input channel");
  const Prepared& p = *prepared_;
  const detail::Step& st = checked_step(p.plan.steps, graph_, step, inputs.size(), batch, "run_step_segment");
  const Node& n = graph_.nodes[size_t(st.node)];
  if (batch == 0) return;
  const auto s = conv_shape(graph_, n, batch);
  const float* bias = std::get<Conv2dAttrs>(n.attrs).bias ? param_data(graph_, n, 1) : nullptr;
  if (options_.variant == KernelVariant::Reference) {  // never fused: the node alone
    ops::conv2d_segment_reference(s, inputs[0], p.weights(graph_, st.node), bias, output, seg);
    return;
  }
  const ops::ConvEpilogue epi =
      conv_epilogue(st, st.bn >= 0 ? &p.nodes[size_t(st.bn)].bn : nullptr, st.add >= 0 ? inputs.back() : nullptr);
  ops::conv2d_segment_optimized(s, inputs[0], p.nodes[size_t(st.node)].conv, bias, output, pool, epi, seg);
}

ChannelWeights Executor::channel_weights(int step, int channel, const float* weights) const {
  const Prepared& p = *prepared_;
  if (step < 0 || size_t(step) >= p.plan.steps.size())
    throw UsageError("executor: channel_weights: step " + std::to_string(step) + " out of range");
  const Node& n = graph_.nodes[size_t(p.plan.steps[size_t(step)].node)];
  const ValueShape& out = graph_.values[size_t(n.output)];
  const bool int8 = n.kind == OpKind::Quantized && std::get<QuantizedAttrs>(n.attrs).op == QuantOp::Conv;
  if (n.kind != OpKind::Conv2d && n.kind != OpKind::Linear && !int8)
    throw UsageError("executor: channel_weights: " + node_label(graph_, p.plan.steps[size_t(step)].node) +
                     " is not a conv or linear step");
  if (channel < 0 || channel >= out.c)
    throw UsageError("executor: channel_weights: channel " + std::to_string(channel) + " outside the " +
                     std::to_string(out.c) + " outputs of " + node_label(graph_, p.plan.steps[size_t(step)].node));
  ChannelWeights cw;
  cw.step = step;
  cw.channel = channel;
  if (int8) {
    detail::quantized_channel_prepare(graph_, n, weights, options_.variant == KernelVariant::Optimized, cw);
  } else if (n.kind == OpKind::Conv2d) {
    ops::Conv2dShape one = conv_shape(graph_, n, 1);
    one.in_c /= one.groups;
    one.out_c = 1;
    one.groups = 1;
    const Window2d w = one.window();
    cw.weights.assign(weights, weights + int64_t(one.in_c) * w.kernel_h * w.kernel_w);
    round_span(n.weight_format, cw.weights.data(), cw.weights.data(), int64_t(cw.weights.size()));
    if (options_.variant == KernelVariant::Optimized) cw.conv = ops::conv2d_pack(one, cw.weights.data());
  } else {
    const auto& a = std::get<LinearAttrs>(n.attrs);
    cw.weights.assign(weights, weights + a.in_features);
    round_span(n.weight_format, cw.weights.data(), cw.weights.data(), int64_t(cw.weights.size()));
    if (options_.variant == KernelVariant::Optimized)
      cw.linear = ops::linear_pack({1, a.in_features, 1}, cw.weights.data());
  }
  return cw;
}

void Executor::run_step_channel(const ChannelWeights& cw, const std::vector<const float*>& inputs, float* output,
                                int batch) const {
  const Prepared& p = *prepared_;
  if (cw.step < 0 || size_t(cw.step) >= p.plan.steps.size())
    throw UsageError("executor: run_step_channel: weights not prepared by channel_weights");
  const detail::Step& st = p.plan.steps[size_t(cw.step)];
  const Node& n = graph_.nodes[size_t(st.node)];
  if (inputs.size() != st.inputs.size())
    throw UsageError("executor: run_step_channel: " + node_label(graph_, st.node) + " step takes " +
                     std::to_string(st.inputs.size()) + " inputs, got " + std::to_string(inputs.size()));
  if (cw.changes_element()) return run_step_element(cw, inputs, output, batch);
  const ValueShape& out = graph_.values[size_t(n.output)];
  const int co = cw.channel;
  const bool ref = options_.variant == KernelVariant::Reference;
  if (n.kind == OpKind::Quantized) return detail::run_quantized_channel(graph_, n, cw, inputs[0], output, batch, ref);
  if (n.kind == OpKind::Linear) {
    // y[i, co] = (fma chain over the inputs) + bias[co]: one feature, the same chain (and
    // Gemm's scaling, as run_node applies it).
    const auto& a = std::get<LinearAttrs>(n.attrs);
    const ops::LinearShape s{batch, a.in_features, 1};
    const float* bias = a.bias ? param_data(graph_, n, 1) + co : nullptr;
    const bool scaled = a.alpha != 1.0f || a.beta != 1.0f;
    std::vector<float> y(size_t(std::max(batch, 0)));
    if (ref)
      ops::linear_reference(s, inputs[0], cw.weights.data(), scaled ? nullptr : bias, y.data());
    else
      ops::linear_optimized(s, inputs[0], cw.linear, scaled ? nullptr : bias, y.data(), nullptr);
    if (scaled) ops::linear_scale(s, a.alpha, a.beta, bias, y.data());
    for (int i = 0; i < batch; ++i) output[int64_t(i) * out.c + co] = y[size_t(i)];
    return;
  }
  // Conv: per image, a one-channel conv over the input channels of co's group, with the
  // epilogue constants of channel co; the plane is written in place.
  const ops::Conv2dShape full = conv_shape(graph_, n, 1);
  ops::Conv2dShape one = full;
  one.in_c /= one.groups;
  one.out_c = 1;
  one.groups = 1;
  const int64_t in_plane = int64_t(full.in_h) * full.in_w, plane = int64_t(full.out_h) * full.out_w;
  const int64_t group_first = int64_t(co / (full.out_c / full.groups)) * one.in_c;
  const float* bias = std::get<Conv2dAttrs>(n.attrs).bias ? param_data(graph_, n, 1) + co : nullptr;
  for (int i = 0; i < batch; ++i) {
    const float* x = inputs[0] + (int64_t(i) * full.in_c + group_first) * in_plane;
    float* y = output + (int64_t(i) * full.out_c + co) * plane;
    if (ref) {
      ops::conv2d_reference(one, x, cw.weights.data(), bias, y);
      continue;
    }
    const ops::ConvEpilogue epi =
        conv_epilogue(st, st.bn >= 0 ? &p.nodes[size_t(st.bn)].bn : nullptr,
                      st.add >= 0 ? inputs.back() + (int64_t(i) * full.out_c + co) * plane : nullptr, co);
    ops::conv2d_optimized(one, x, cw.conv, bias, y, nullptr, epi);
  }
}

}  // namespace faultbench
