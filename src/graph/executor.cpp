// Executor: validates the graph once, packs weights, plans activation buffers, and runs
// batches either image-parallel (each worker runs the whole graph on its own images,
// which keeps activations in cache) or op-parallel (small batches: each kernel splits its
// outputs over the pool). Both give the same bits: every kernel computes each output
// element with one fixed operation sequence (docs/DETERMINISM.md).
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

namespace faultbench {

namespace {

// Images per step when each worker runs the whole graph on its share of the batch: small
// enough that one layer's activations stay in the core's L2 cache.
constexpr int kMicroBatch = 4;

std::string node_label(const Graph& g, int i) {
  const Node& n = g.nodes[size_t(i)];
  return std::string("node ") + std::to_string(i) + " (" + op_kind_name(n.kind) +
         (n.name.empty() ? "" : " '" + n.name + "'") + ")";
}

ops::Conv2dShape conv_shape(const Graph& g, const Node& n, int batch) {
  const auto& a = std::get<Conv2dAttrs>(n.attrs);
  const ValueShape& in = g.values[size_t(n.inputs.at(0))];
  const ValueShape& out = g.values[size_t(n.output)];
  return {batch, in.c, in.h, in.w, out.c, out.h, out.w, a.kernel, a.stride, a.padding, a.groups};
}

ops::Pool2dShape pool_shape(const Graph& g, const Node& n, int batch) {
  const auto& a = std::get<PoolAttrs>(n.attrs);
  const ValueShape& in = g.values[size_t(n.inputs.at(0))];
  const ValueShape& out = g.values[size_t(n.output)];
  return {batch, in.c, in.h, in.w, out.h, out.w, a.kernel, a.stride, a.padding, a.ceil_mode};
}

const float* param_data(const Graph& g, const Node& n, size_t i) {
  return g.params[size_t(n.params.at(i))].value.ptr();
}

}  // namespace

struct Executor::Prepared {
  struct NodePrep {
    ops::Conv2dPacked conv;
    ops::BatchNormFolded bn;
    ops::LinearPacked linear;
  };
  struct Arena {
    int capacity = 0;  // images
    std::vector<ops::AlignedBuffer> slots;
  };
  std::vector<NodePrep> nodes;
  std::vector<int> root;              // value -> value owning its buffer (flatten aliases its input)
  std::vector<int> slot;              // root value -> buffer slot; -1 for the input value
  std::vector<int64_t> slot_floats;   // per-image size of each slot
  std::vector<Arena> arenas;          // one per worker

  void reserve(Arena& a, int images) const {
    if (a.capacity >= images) return;
    a.slots.resize(slot_floats.size());
    for (size_t s = 0; s < slot_floats.size(); ++s) a.slots[s].resize(size_t(slot_floats[s]) * size_t(images));
    a.capacity = images;
  }
};

namespace {

// Every rule a node must satisfy before anything runs; errors name the node and the rule.
void check_node(const Graph& g, int i) {
  const Node& n = g.nodes[size_t(i)];
  const std::string label = node_label(g, i);
  auto fail = [&](const std::string& rule) { throw UsageError("executor: " + label + ": " + rule); };
  if (n.output < 0 || size_t(n.output) >= g.values.size()) fail("output value id out of range");
  for (int v : n.inputs)
    if (v < 0 || v >= n.output) fail("input value " + std::to_string(v) + " is not produced by an earlier node");
  const ValueShape out = g.values[size_t(n.output)];
  auto in = [&](size_t k) { return g.values[size_t(n.inputs.at(k))]; };
  auto expect_inputs = [&](size_t count) {
    if (n.inputs.size() != count)
      fail("expects " + std::to_string(count) + " inputs, has " + std::to_string(n.inputs.size()));
  };
  auto expect_params = [&](size_t count) {
    if (n.params.size() < count) fail("expects " + std::to_string(count) + " parameters");
    for (size_t k = 0; k < count; ++k) {
      const Param& p = g.params.at(size_t(n.params[k]));
      if (p.value.size() != numel(p.shape))
        fail("parameter '" + p.name + "' holds " + std::to_string(p.value.size()) + " values, shape " +
             shape_to_string(p.shape) + " needs " + std::to_string(numel(p.shape)));
    }
  };
  try {
    switch (n.kind) {
      case OpKind::Input:
        if (i != 0) fail("an input node must be the first node");
        break;
      case OpKind::Conv2d: {
        expect_inputs(1);
        const auto& a = std::get<Conv2dAttrs>(n.attrs);
        if (in(0).c != a.in_channels || out.c != a.out_channels) fail("channel counts differ from the attributes");
        ops::validate_conv2d(conv_shape(g, n, 1));
        expect_params(a.bias ? 2 : 1);
        const Param& w = g.params[size_t(n.params[0])];
        if (w.value.size() != int64_t(a.out_channels) * (a.in_channels / a.groups) * a.kernel * a.kernel)
          fail("weight '" + w.name + "' has the wrong size");
        if (a.bias && g.params[size_t(n.params[1])].value.size() != a.out_channels) fail("bias has the wrong size");
        break;
      }
      case OpKind::BatchNorm2d:
        expect_inputs(1);
        if (!(in(0) == out)) fail("output shape differs from input shape");
        ops::validate_batch_norm2d({1, out.c, out.h, out.w});
        expect_params(4);
        for (size_t k = 0; k < 4; ++k)
          if (g.params[size_t(n.params[k])].value.size() != out.c) fail("parameters must have one value per channel");
        break;
      case OpKind::ReLU:
        expect_inputs(1);
        if (!(in(0) == out)) fail("output shape differs from input shape");
        break;
      case OpKind::MaxPool2d:
        expect_inputs(1);
        ops::validate_max_pool2d(pool_shape(g, n, 1));
        if (in(0).c != out.c) fail("channel count changes");
        break;
      case OpKind::AvgPool2d:
        expect_inputs(1);
        ops::validate_avg_pool2d(pool_shape(g, n, 1));
        if (in(0).c != out.c) fail("channel count changes");
        break;
      case OpKind::GlobalAvgPool:
        expect_inputs(1);
        if (out != ValueShape{in(0).c, 1, 1}) fail("output must be [C, 1, 1]");
        break;
      case OpKind::Linear: {
        expect_inputs(1);
        const auto& a = std::get<LinearAttrs>(n.attrs);
        if (in(0).numel() != a.in_features || out != ValueShape{a.out_features, 1, 1})
          fail("in/out features differ from the value shapes");
        expect_params(2);
        if (g.params[size_t(n.params[0])].value.size() != int64_t(a.in_features) * a.out_features ||
            g.params[size_t(n.params[1])].value.size() != a.out_features)
          fail("weight or bias has the wrong size");
        break;
      }
      case OpKind::Add:
        expect_inputs(2);
        if (!(in(0) == out) || !(in(1) == out)) fail("inputs and output must have equal shapes");
        break;
      case OpKind::Concat: {
        if (n.inputs.size() < 2) fail("needs at least 2 inputs");
        int c = 0;
        for (size_t k = 0; k < n.inputs.size(); ++k) {
          if (in(k).h != out.h || in(k).w != out.w) fail("input " + std::to_string(k) + " has a different spatial size");
          c += in(k).c;
        }
        if (c != out.c) fail("output channels differ from the sum of the inputs'");
        break;
      }
      case OpKind::ShortcutA: {
        expect_inputs(1);
        const auto& a = std::get<ShortcutAAttrs>(n.attrs);
        ops::ShortcutAShape s{1, in(0).c, in(0).h, in(0).w, a.pad_front, a.pad_back};
        ops::validate_shortcut_a(s);
        if (out != ValueShape{s.out_c(), s.out_h(), s.out_w()}) fail("output shape differs from the subsampled input");
        break;
      }
      case OpKind::Flatten:
        expect_inputs(1);
        if (out.numel() != in(0).numel()) fail("element count changes");
        break;
    }
  } catch (const std::bad_variant_access&) {
    fail("attributes do not match the operator");
  }
}

}  // namespace

Executor::Executor(const Graph& graph, ExecutorOptions options)
    : graph_(graph), options_(options), pool_(std::make_unique<ThreadPool>(options.threads)),
      prepared_(std::make_unique<Prepared>()) {
  if (options_.max_batch <= 0) throw UsageError("executor: max_batch must be positive");
  if (graph_.nodes.empty() || graph_.nodes[0].kind != OpKind::Input) throw UsageError("executor: graph has no input node");
  if (graph_.output_value < 0 || size_t(graph_.output_value) >= graph_.values.size())
    throw UsageError("executor: graph has no output value");
  for (size_t i = 0; i < graph_.nodes.size(); ++i) check_node(graph_, int(i));
  Prepared& p = *prepared_;
  p.nodes.resize(graph_.nodes.size());
  for (size_t i = 0; i < graph_.nodes.size(); ++i)
    for (int param : graph_.nodes[i].params) param_changed(param);

  // Memory plan: one buffer slot per live value, reused once the value's last reader ran.
  const size_t nv = graph_.values.size();
  p.root.resize(nv);
  for (size_t v = 0; v < nv; ++v) p.root[v] = int(v);
  for (const Node& n : graph_.nodes)
    if (n.kind == OpKind::Flatten) p.root[size_t(n.output)] = p.root[size_t(n.inputs[0])];
  std::vector<int> last_use(nv, -1);
  for (size_t i = 0; i < graph_.nodes.size(); ++i)
    for (int v : graph_.nodes[i].inputs) last_use[size_t(p.root[size_t(v)])] = int(i);
  last_use[size_t(p.root[size_t(graph_.output_value)])] = int(graph_.nodes.size());
  p.slot.assign(nv, -1);
  std::vector<int> free_slots;
  for (size_t i = 1; i < graph_.nodes.size(); ++i) {
    const Node& n = graph_.nodes[i];
    if (n.kind == OpKind::Flatten) continue;
    const int64_t need = graph_.values[size_t(n.output)].numel();
    // Best fit among free slots, else grow the largest free one, else a new slot.
    int best = -1;
    for (int s : free_slots)
      if (p.slot_floats[size_t(s)] >= need && (best < 0 || p.slot_floats[size_t(s)] < p.slot_floats[size_t(best)])) best = s;
    if (best < 0)
      for (int s : free_slots)
        if (best < 0 || p.slot_floats[size_t(s)] > p.slot_floats[size_t(best)]) best = s;
    if (best < 0) {
      best = int(p.slot_floats.size());
      p.slot_floats.push_back(0);
    } else {
      free_slots.erase(std::find(free_slots.begin(), free_slots.end(), best));
    }
    p.slot_floats[size_t(best)] = std::max(p.slot_floats[size_t(best)], need);
    p.slot[size_t(n.output)] = best;
    std::vector<int> done;
    for (int v : n.inputs) done.push_back(p.root[size_t(v)]);
    done.push_back(n.output);
    for (int r : done)
      if (last_use[size_t(r)] <= int(i) && p.slot[size_t(r)] >= 0 &&
          std::find(free_slots.begin(), free_slots.end(), p.slot[size_t(r)]) == free_slots.end())
        free_slots.push_back(p.slot[size_t(r)]);
  }
  p.arenas.resize(size_t(pool_->size()));
}

Executor::~Executor() = default;

void Executor::param_changed(int param_index) {
  if (param_index < 0 || size_t(param_index) >= graph_.params.size())
    throw UsageError("executor: parameter index " + std::to_string(param_index) + " out of range");
  const int node = graph_.params[size_t(param_index)].node;
  if (node < 0 || size_t(node) >= graph_.nodes.size()) return;
  if (options_.variant == KernelVariant::Reference) return;  // reference kernels read the params directly
  const Node& n = graph_.nodes[size_t(node)];
  Prepared::NodePrep& prep = prepared_->nodes[size_t(node)];
  switch (n.kind) {
    case OpKind::Conv2d:
      prep.conv = ops::conv2d_pack(conv_shape(graph_, n, 1), param_data(graph_, n, 0));
      break;
    case OpKind::Linear: {
      const auto& a = std::get<LinearAttrs>(n.attrs);
      prep.linear = ops::linear_pack({1, a.in_features, a.out_features}, param_data(graph_, n, 0));
      break;
    }
    case OpKind::BatchNorm2d:
      prep.bn = ops::batch_norm2d_fold(std::get<BatchNormAttrs>(n.attrs).channels, param_data(graph_, n, 0),
                                       param_data(graph_, n, 1), param_data(graph_, n, 2), param_data(graph_, n, 3),
                                       std::get<BatchNormAttrs>(n.attrs).eps);
      break;
    default:
      break;
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
    case OpKind::Input:
      break;
    case OpKind::Conv2d: {
      const auto s = conv_shape(graph_, n, batch);
      const float* bias = std::get<Conv2dAttrs>(n.attrs).bias ? param_data(graph_, n, 1) : nullptr;
      if (ref)
        ops::conv2d_reference(s, x, param_data(graph_, n, 0), bias, output);
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
      ref ? ops::max_pool2d_reference(s, x, output) : ops::max_pool2d_optimized(s, x, output, pool);
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
    case OpKind::Linear: {
      const auto& a = std::get<LinearAttrs>(n.attrs);
      const ops::LinearShape s{batch, a.in_features, a.out_features};
      if (ref)
        ops::linear_reference(s, x, param_data(graph_, n, 0), param_data(graph_, n, 1), output);
      else
        ops::linear_optimized(s, x, prep.linear, param_data(graph_, n, 1), output, pool);
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
      ops::flatten_reference(int64_t(batch) * out.numel(), x, output);
      break;
  }
}

void Executor::run_images(const float* images, float* logits, int count, int arena, ThreadPool* pool) {
  Prepared& p = *prepared_;
  Prepared::Arena& a = p.arenas.at(size_t(arena));
  const int step = pool ? std::min(count, options_.max_batch) : std::min(count, kMicroBatch);
  p.reserve(a, step);
  const int64_t in_floats = graph_.input_shape.numel();
  std::vector<const float*> values(graph_.values.size(), nullptr);
  std::vector<const float*> ins;
  for (int start = 0; start < count; start += step) {
    const int batch = std::min(step, count - start);
    auto value_ptr = [&](int v) -> float* {
      const int r = p.root[size_t(v)];
      return r == graph_.input_value ? nullptr : a.slots[size_t(p.slot[size_t(r)])].data();
    };
    values[size_t(graph_.input_value)] = images + int64_t(start) * in_floats;
    for (size_t i = 1; i < graph_.nodes.size(); ++i) {
      const Node& n = graph_.nodes[i];
      if (n.kind == OpKind::Flatten) {  // same bytes: alias the input
        values[size_t(n.output)] = values[size_t(n.inputs[0])];
        continue;
      }
      ins.clear();
      for (int v : n.inputs) ins.push_back(values[size_t(v)]);
      float* out = value_ptr(n.output);
      run_node(int(i), ins, out, batch, pool);
      values[size_t(n.output)] = out;
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
    if (threads > 1 && nb >= threads * kMicroBatch) {
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
