// Executor: validates the graph once, packs weights, plans activation buffers, and runs
// batches (the per-step entry points are in executor_steps.cpp) either image-parallel (each worker runs the whole graph
// on its own images, which keeps activations in cache) or op-parallel (small batches: each kernel splits its outputs
// over the pool). Both give the same bits: every kernel computes each output element with one fixed operation sequence
// (docs/DETERMINISM.md).
#include "faultbench/executor.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "faultbench/error.h"
#include "faultbench/ops/batch_norm.h"
#include "faultbench/ops/conv2d.h"
#include "faultbench/ops/elementwise.h"
#include "faultbench/ops/layout.h"
#include "faultbench/ops/linear.h"
#include "faultbench/ops/pool.h"
#include "executor_onnx_ops.h"
#include "executor_prepared.h"

namespace faultbench {

namespace {

// Images per step when each worker runs the whole graph on its share of the batch: small
// enough that one layer's activations stay in the core's L2 cache.
constexpr int kMicroBatch = 4;

using detail::conv_shape;
using detail::node_label;
using detail::param_data;
using detail::pool_shape;

}  // namespace

Executor::Executor(const Graph& graph, ExecutorOptions options)
    : graph_(graph),
      options_(options),
      pool_(std::make_unique<ThreadPool>(options.threads)),
      prepared_(std::make_unique<Prepared>()) {
  if (options_.max_batch <= 0) throw UsageError("executor: max_batch must be positive");
  detail::check_graph(graph_);
  Prepared& p = *prepared_;
  p.nodes.resize(graph_.nodes.size());
  for (size_t i = 0; i < graph_.nodes.size(); ++i)
    for (int param : graph_.nodes[i].params) param_changed(param);
  // Fusion only with the optimized kernels: the reference variant runs every node alone.
  p.plan = detail::make_plan(graph_, options_.variant == KernelVariant::Optimized, options_.fuse_rounding);
  for (const detail::Step& st : p.plan.steps) {
    ExecStep es;
    es.node = st.node;
    es.members.push_back(st.node);
    for (int m : st.followers()) es.members.push_back(m);
    es.inputs = st.inputs;
    es.output = st.output;
    p.steps.push_back(std::move(es));
  }
  p.arenas.resize(size_t(pool_->size()));
}

void Executor::param_element_changed(int param_index, int64_t offset) {
  if (param_index < 0 || size_t(param_index) >= graph_.params.size())
    throw UsageError("executor: parameter index " + std::to_string(param_index) + " out of range");
  const Param& param = graph_.params[size_t(param_index)];
  if (offset < 0 || offset >= param.value.size())
    throw UsageError("executor: parameter '" + param.name + "': element " + std::to_string(offset) + " out of range");
  const int node = param.node;
  if (options_.variant == KernelVariant::Optimized && node >= 0 && size_t(node) < graph_.nodes.size()) {
    const Node& n = graph_.nodes[size_t(node)];
    Prepared::NodePrep& prep = prepared_->nodes[size_t(node)];
    const bool is_weight = !n.params.empty() && n.params[0] == param_index;
    // The value the kernels multiply with: rounded to the node's operand format, if any.
    const float value = round_to_format(n.weight_format, param.value.data[size_t(offset)]);
    if (is_weight && n.weight_format != RoundFormat::None && (n.kind == OpKind::Conv2d || n.kind == OpKind::Linear))
      prep.rounded[size_t(offset)] = value;
    if (is_weight && n.kind == OpKind::Conv2d) {
      ops::conv2d_pack_set(prep.conv, offset, value);
      return;
    }
    if (is_weight && n.kind == OpKind::Linear) {
      ops::linear_pack_set(prep.linear, offset, value);
      return;
    }
  }
  if (node >= 0 && size_t(node) < graph_.nodes.size() && graph_.nodes[size_t(node)].kind == OpKind::Quantized) {
    detail::quantized_set(graph_, graph_.nodes[size_t(node)], prepared_->nodes[size_t(node)].quant, param_index, offset,
                          options_.variant == KernelVariant::Optimized);
    return;
  }
  param_changed(param_index);
}

Executor::~Executor() = default;

void Executor::param_changed(int param_index) {
  if (param_index < 0 || size_t(param_index) >= graph_.params.size())
    throw UsageError("executor: parameter index " + std::to_string(param_index) + " out of range");
  const int node = graph_.params[size_t(param_index)].node;
  if (node < 0 || size_t(node) >= graph_.nodes.size()) return;
  const Node& n = graph_.nodes[size_t(node)];
  Prepared::NodePrep& prep = prepared_->nodes[size_t(node)];
  // Operands rounded at pack time (TF32): once per weight change, not in the kernels.
  if (n.weight_format != RoundFormat::None && (n.kind == OpKind::Conv2d || n.kind == OpKind::Linear) &&
      !n.params.empty() && n.params[0] == param_index) {
    const Tensor& w = graph_.params[size_t(param_index)].value;
    prep.rounded.resize(size_t(w.size()));
    round_span(n.weight_format, w.ptr(), prep.rounded.data(), w.size());
  }
  if (n.kind == OpKind::Quantized) {
    detail::quantized_prepare(graph_, n, prep.quant, options_.variant == KernelVariant::Optimized);
    return;
  }
  if (options_.variant == KernelVariant::Reference) return;  // reference kernels read the params (or rounded) directly
  const float* weights = n.params.empty() ? nullptr : prepared_->weights(graph_, node);
  switch (n.kind) {
    case OpKind::Conv2d: prep.conv = ops::conv2d_pack(conv_shape(graph_, n, 1), weights); break;
    case OpKind::Linear: {
      const auto& a = std::get<LinearAttrs>(n.attrs);
      prep.linear = ops::linear_pack({1, a.in_features, a.out_features, a.weight_transposed}, weights);
      break;
    }
    case OpKind::BatchNorm2d:
      prep.bn = ops::batch_norm2d_fold(std::get<BatchNormAttrs>(n.attrs).channels, param_data(graph_, n, 0),
                                       param_data(graph_, n, 1), param_data(graph_, n, 2), param_data(graph_, n, 3),
                                       std::get<BatchNormAttrs>(n.attrs).eps);
      break;
    default: break;
  }
}

void Executor::run_node(int node, const std::vector<const float*>& inputs, float* output, int batch,
                        ThreadPool* pool) const {
  if (node <= 0 || size_t(node) >= graph_.nodes.size())
    throw UsageError("executor: run_node: node " + std::to_string(node) + " is not a computing node");
  const Node& n = graph_.nodes[size_t(node)];
  if (inputs.size() != n.inputs.size())
    throw UsageError("executor: run_node: " + node_label(graph_, node) + " takes " + std::to_string(n.inputs.size()) +
                     " inputs, got " + std::to_string(inputs.size()));
  if (batch < 0) throw UsageError("executor: run_node: negative batch");
  if (batch == 0) return;
  const bool ref = options_.variant == KernelVariant::Reference;
  const Prepared::NodePrep& prep = prepared_->nodes[size_t(node)];
  const ValueShape& out = graph_.values[size_t(n.output)];
  const float* x = inputs[0];
  switch (n.kind) {
    case OpKind::Input: break;
    case OpKind::Conv2d: {
      const auto s = conv_shape(graph_, n, batch);
      const float* bias = std::get<Conv2dAttrs>(n.attrs).bias ? param_data(graph_, n, 1) : nullptr;
      if (ref)
        ops::conv2d_reference(s, x, prepared_->weights(graph_, node), bias, output);
      else
        ops::conv2d_optimized(s, x, prep.conv, bias, output, pool);
      break;
    }
    case OpKind::BatchNorm2d: {
      const ops::BatchNormShape s{batch, out.c, out.h, out.w};
      if (ref)
        ops::batch_norm2d_reference(s, x, param_data(graph_, n, 0), param_data(graph_, n, 1), param_data(graph_, n, 2),
                                    param_data(graph_, n, 3), std::get<BatchNormAttrs>(n.attrs).eps, output);
      else
        ops::batch_norm2d_optimized(s, x, prep.bn, output, pool);
      break;
    }
    case OpKind::ReLU: {
      const ops::ElementwiseShape s{int64_t(batch) * out.numel()};
      ref ? ops::relu_reference(s, x, output) : ops::relu_optimized(s, x, output, pool);
      break;
    }
    case OpKind::MaxPool2d: {
      const auto s = pool_shape(graph_, n, batch);
      ref ? ops::max_pool2d_reference(s, x, output) : void(ops::max_pool2d_optimized(s, x, output, pool));
      break;
    }
    case OpKind::AvgPool2d: {
      const auto s = pool_shape(graph_, n, batch);
      ref ? ops::avg_pool2d_reference(s, x, output) : ops::avg_pool2d_optimized(s, x, output, pool);
      break;
    }
    case OpKind::GlobalAvgPool: {
      const ValueShape& in = graph_.values[size_t(n.inputs[0])];
      const ops::GlobalPoolShape s{batch, in.c, in.h, in.w};
      ref ? ops::global_avg_pool_reference(s, x, output) : ops::global_avg_pool_optimized(s, x, output, pool);
      break;
    }
    case OpKind::GlobalMaxPool: {
      const ValueShape& in = graph_.values[size_t(n.inputs[0])];
      const ops::GlobalPoolShape s{batch, in.c, in.h, in.w};
      ref ? ops::global_max_pool_reference(s, x, output) : ops::global_max_pool_optimized(s, x, output, pool);
      break;
    }
    case OpKind::Linear: {
      const auto& a = std::get<LinearAttrs>(n.attrs);
      const ops::LinearShape s{batch, a.in_features, a.out_features, a.weight_transposed};
      const float* bias = a.bias ? param_data(graph_, n, 1) : nullptr;
      const bool scaled = a.alpha != 1.0f || a.beta != 1.0f;  // Gemm: the bias goes in after the scaling
      if (ref)
        ops::linear_reference(s, x, prepared_->weights(graph_, node), scaled ? nullptr : bias, output);
      else
        ops::linear_optimized(s, x, prep.linear, scaled ? nullptr : bias, output, pool);
      if (scaled) ops::linear_scale(s, a.alpha, a.beta, bias, output);
      break;
    }
    case OpKind::Add: {
      const ops::ElementwiseShape s{int64_t(batch) * out.numel()};
      ref ? ops::add_reference(s, x, inputs[1], output) : ops::add_optimized(s, x, inputs[1], output, pool);
      break;
    }
    case OpKind::Concat: {
      ops::ConcatShape s{batch, out.h, out.w, {}};
      for (int v : n.inputs) s.in_channels.push_back(graph_.values[size_t(v)].c);
      ref ? ops::concat_reference(s, inputs, output) : ops::concat_optimized(s, inputs, output, pool);
      break;
    }
    case OpKind::ShortcutA: {
      const ValueShape& in = graph_.values[size_t(n.inputs[0])];
      const auto& a = std::get<ShortcutAAttrs>(n.attrs);
      const ops::ShortcutAShape s{batch, in.c, in.h, in.w, a.pad_front, a.pad_back};
      ref ? ops::shortcut_a_reference(s, x, output) : ops::shortcut_a_optimized(s, x, output, pool);
      break;
    }
    case OpKind::Flatten:
    case OpKind::Reshape: ops::flatten_reference(int64_t(batch) * out.numel(), x, output); break;
    case OpKind::Round: {
      const RoundFormat f = std::get<RoundAttrs>(n.attrs).format;
      const int64_t count = int64_t(batch) * out.numel();
      if (ref) {
        for (int64_t i = 0; i < count; ++i) output[i] = round_to_format(f, x[i]);
      } else {
        constexpr int64_t kGrain = 1 << 14;
        ops::parallel_range(pool, (count + kGrain - 1) / kGrain, [&](long long b, long long e) {
          const int64_t lo = b * kGrain, hi = std::min<int64_t>(count, e * kGrain);
          round_span(f, x + lo, output + lo, hi - lo);
        });
      }
      break;
    }
    case OpKind::Quantized: detail::run_quantized_node(graph_, n, prep.quant, inputs, output, batch, pool, ref); break;
    default: detail::run_onnx_node(graph_, n, inputs, output, batch, ref ? nullptr : pool, ref); break;
  }
}

void Executor::run_images(const float* images, float* logits, int count, int arena, ThreadPool* pool) {
  Prepared& p = *prepared_;
  Prepared::Arena& a = p.arenas.at(size_t(arena));
  const int step = pool ? std::min(count, options_.max_batch) : std::min(count, kMicroBatch);
  p.reserve(a, step);
  const int64_t in_floats = graph_.input_shape.numel();
  const detail::Plan& plan = p.plan;
  std::vector<const float*> values(graph_.values.size(), nullptr);
  std::vector<const float*> ins;
  for (int start = 0; start < count; start += step) {
    const int batch = std::min(step, count - start);
    values[size_t(graph_.input_value)] = images + int64_t(start) * in_floats;
    for (const detail::Step& st : plan.steps) {
      const Node& n = graph_.nodes[size_t(st.node)];
      if (detail::is_alias(n.kind)) {  // same bytes: alias the input
        values[size_t(st.output)] = values[size_t(n.inputs[0])];
        continue;
      }
      float* out = a.slots[size_t(plan.slot[size_t(st.output)])].data();
      ins.clear();
      for (int v : st.inputs) ins.push_back(values[size_t(v)]);
      run_step(int(&st - plan.steps.data()), ins, out, batch, pool);
      values[size_t(st.output)] = out;
    }
    std::memcpy(logits + int64_t(start) * graph_.classes, values[size_t(graph_.output_value)],
                sizeof(float) * size_t(batch) * size_t(graph_.classes));
  }
}

Tensor Executor::forward(const Tensor& images) {
  const ValueShape& in = graph_.input_shape;
  if (images.shape.size() != 4 || images.shape[1] != in.c || images.shape[2] != in.h || images.shape[3] != in.w ||
      images.size() != numel(images.shape))
    throw UsageError("executor: images have shape " + shape_to_string(images.shape) + ", model " + graph_.model +
                     " expects [N, " + std::to_string(in.c) + ", " + std::to_string(in.h) + ", " +
                     std::to_string(in.w) + "]");
  const int64_t total = images.shape[0];
  Tensor logits({total, int64_t(graph_.classes)});
  const int threads = pool_->size();
  for (int64_t start = 0; start < total; start += options_.max_batch) {
    const int nb = int(std::min<int64_t>(options_.max_batch, total - start));
    const float* x = images.ptr() + start * in.numel();
    float* y = logits.ptr() + start * graph_.classes;
    if (nb >= threads * kMicroBatch) {
      // Image-parallel: each worker runs the whole graph on a contiguous share of the chunk.
      pool_->parallel_for(nb, [&](int64_t b, int64_t e, int worker) {
        run_images(x + b * in.numel(), y + b * graph_.classes, int(e - b), worker, nullptr);
      });
    } else {
      run_images(x, y, nb, 0, pool_.get());
    }
  }
  return logits;
}

}  // namespace faultbench
