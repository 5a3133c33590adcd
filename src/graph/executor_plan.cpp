#include "executor_plan.h"

#include <algorithm>

#include "faultbench/error.h"
#include "faultbench/ops/batch_norm.h"
#include "faultbench/ops/layout.h"
#include "executor_onnx_ops.h"
#include "executor_quantized.h"

namespace faultbench::detail {

std::string node_label(const Graph& g, int i) {
  const Node& n = g.nodes[size_t(i)];
  return std::string("node ") + std::to_string(i) + " (" + op_kind_name(n.kind) +
         (n.name.empty() ? "" : " '" + n.name + "'") + ")";
}

ops::Conv2dShape conv_shape(const Graph& g, const Node& n, int batch) {
  const auto& a = std::get<Conv2dAttrs>(n.attrs);
  const ValueShape& in = g.values[size_t(n.inputs.at(0))];
  const ValueShape& out = g.values[size_t(n.output)];
  return ops::conv2d_shape(batch, in.c, in.h, in.w, out.c, out.h, out.w, a.window, a.groups);
}

ops::Pool2dShape pool_shape(const Graph& g, const Node& n, int batch) {
  const auto& a = std::get<PoolAttrs>(n.attrs);
  const ValueShape& in = g.values[size_t(n.inputs.at(0))];
  const ValueShape& out = g.values[size_t(n.output)];
  return ops::pool2d_shape(batch, in.c, in.h, in.w, out.h, out.w, a.window, a.ceil_mode, a.count_include_pad);
}

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
        if (w.value.size() !=
            int64_t(a.out_channels) * (a.in_channels / a.groups) * a.window.kernel_h * a.window.kernel_w)
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
      case OpKind::GlobalMaxPool:
        expect_inputs(1);
        if (out != ValueShape{in(0).c, 1, 1}) fail("output must be [C, 1, 1]");
        break;
      case OpKind::Linear: {
        expect_inputs(1);
        const auto& a = std::get<LinearAttrs>(n.attrs);
        if (in(0).numel() != a.in_features || out != ValueShape{a.out_features, 1, 1})
          fail("in/out features differ from the value shapes");
        expect_params(a.bias ? 2 : 1);
        if (g.params[size_t(n.params[0])].value.size() != int64_t(a.in_features) * a.out_features ||
            (a.bias && g.params[size_t(n.params[1])].value.size() != a.out_features))
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
          if (in(k).h != out.h || in(k).w != out.w)
            fail("input " + std::to_string(k) + " has a different spatial size");
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
      case OpKind::Reshape:
        expect_inputs(1);
        if (out.numel() != in(0).numel()) fail("element count changes");
        break;
      case OpKind::Round:
        expect_inputs(1);
        if (!(in(0) == out)) fail("output shape differs from input shape");
        (void)std::get<RoundAttrs>(n.attrs);
        break;
      case OpKind::Quantized: check_quantized_node(g, n, fail); break;
      default: check_onnx_node(g, n, fail); break;
    }
  } catch (const std::bad_variant_access&) {
    fail("attributes do not match the operator");
  }
}

}  // namespace

void check_graph(const Graph& g) {
  if (g.nodes.empty() || g.nodes[0].kind != OpKind::Input) throw UsageError("executor: graph has no input node");
  if (g.output_value < 0 || size_t(g.output_value) >= g.values.size())
    throw UsageError("executor: graph has no output value");
  if (g.input_value != g.nodes[0].output) throw UsageError("executor: input value is not the input node's output");
  for (size_t i = 0; i < g.nodes.size(); ++i) check_node(g, int(i));
}

namespace {

// The format a Round node rounds to when it may join a fused chain (bf16/fp16), else None.
RoundFormat fusable_round(const Node& n) {
  if (n.kind != OpKind::Round) return RoundFormat::None;
  const RoundFormat f = std::get<RoundAttrs>(n.attrs).format;
  return f == RoundFormat::Bf16 || f == RoundFormat::Fp16 ? f : RoundFormat::None;
}

std::vector<Step> schedule(const Graph& g, bool fuse, bool fuse_rounding) {
  const size_t nv = g.values.size();
  std::vector<std::vector<int>> readers(nv);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int v : g.nodes[i].inputs) readers[size_t(v)].push_back(int(i));
  // The single reader of v when v is an intermediate that may disappear, else -1.
  std::vector<bool> taken(g.nodes.size(), false);
  auto sole_reader = [&](int v, OpKind kind) {
    if (v == g.output_value || readers[size_t(v)].size() != 1) return -1;
    const int r = readers[size_t(v)][0];
    // A node joins at most one step (an add of two conv branches fuses with the first).
    return g.nodes[size_t(r)].kind == kind && !taken[size_t(r)] ? r : -1;
  };
  std::vector<std::pair<int, Step>> placed;  // (position, step)
  for (size_t i = 1; i < g.nodes.size(); ++i) {
    if (taken[i]) continue;
    const Node& n = g.nodes[i];
    Step st;
    st.node = int(i);
    st.inputs = n.inputs;
    int v = n.output, last = int(i);
    // A member reading v, and (when the chain rounds) the Round of st.round reading its
    // output: both join, or neither. Returns the member, -1 if it cannot join.
    auto join = [&](OpKind kind, int& round) {
      const int m = sole_reader(v, kind);
      if (m < 0) return -1;
      const int mo = g.nodes[size_t(m)].output;
      if (st.round == RoundFormat::None || kind == OpKind::ReLU) {  // ReLU keeps the format
        v = mo, last = m;
        return m;
      }
      const int r = sole_reader(mo, OpKind::Round);
      if (r < 0 || std::get<RoundAttrs>(g.nodes[size_t(r)].attrs).format != st.round) return -1;
      round = r;
      v = g.nodes[size_t(r)].output, last = r;
      return m;
    };
    if (fuse && fuse_rounding && (n.kind == OpKind::Conv2d || n.kind == OpKind::BatchNorm2d)) {
      const int r = sole_reader(v, OpKind::Round);
      if (r >= 0 && fusable_round(g.nodes[size_t(r)]) != RoundFormat::None) {
        st.node_round = r;
        st.round = fusable_round(g.nodes[size_t(r)]);
        v = g.nodes[size_t(r)].output, last = r;
      }
    }
    if (fuse && n.kind == OpKind::Conv2d) {
      st.bn = join(OpKind::BatchNorm2d, st.bn_round);
      const int chain = v;  // the value the add reads from the chain
      if (int a = join(OpKind::Add, st.add_round); a >= 0) {
        const Node& an = g.nodes[size_t(a)];
        st.add = a;
        st.residual_first = an.inputs[1] == chain;
        st.residual = st.residual_first ? an.inputs[0] : an.inputs[1];
        st.inputs.push_back(st.residual);
      }
      int unused = -1;
      st.relu = join(OpKind::ReLU, unused);
    } else if (fuse && n.kind == OpKind::BatchNorm2d) {
      int unused = -1;
      st.relu = join(OpKind::ReLU, unused);
    }
    for (int m : st.followers()) taken[size_t(m)] = true;
    st.output = v;
    placed.emplace_back(last, std::move(st));
  }
  // A fused step runs where its last member stands: its residual exists by then, and
  // nothing in between reads its intermediates.
  std::stable_sort(placed.begin(), placed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Step> steps;
  for (auto& p : placed) steps.push_back(std::move(p.second));
  return steps;
}

}  // namespace

Plan make_plan(const Graph& g, bool fuse, bool fuse_rounding) {
  Plan p;
  p.steps = schedule(g, fuse, fuse_rounding);
  const size_t nv = g.values.size();
  p.root.resize(nv);
  for (size_t v = 0; v < nv; ++v) p.root[v] = int(v);
  for (const Step& st : p.steps)
    if (is_alias(g.nodes[size_t(st.node)].kind)) p.root[size_t(st.output)] = p.root[size_t(st.inputs[0])];
  // Last step reading each buffer; the output's buffer lives to the end.
  std::vector<int> last_use(nv, -1);
  for (size_t i = 0; i < p.steps.size(); ++i)
    for (int v : p.steps[i].inputs) last_use[size_t(p.root[size_t(v)])] = int(i);
  last_use[size_t(p.root[size_t(g.output_value)])] = int(p.steps.size());
  p.slot.assign(nv, -1);
  std::vector<int> free_slots;
  for (size_t i = 0; i < p.steps.size(); ++i) {
    const Step& st = p.steps[i];
    if (is_alias(g.nodes[size_t(st.node)].kind)) continue;
    const int64_t need = g.values[size_t(st.output)].numel();
    // Best fit among free slots, else grow the largest free one, else a new slot. The
    // output is placed before this step's inputs are released, so it never overlaps them.
    int best = -1;
    for (int s : free_slots)
      if (p.slot_floats[size_t(s)] >= need && (best < 0 || p.slot_floats[size_t(s)] < p.slot_floats[size_t(best)]))
        best = s;
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
    p.slot[size_t(st.output)] = best;
    std::vector<int> done;
    for (int v : st.inputs) done.push_back(p.root[size_t(v)]);
    done.push_back(st.output);
    for (int r : done)
      if (last_use[size_t(r)] <= int(i) && p.slot[size_t(r)] >= 0 &&
          std::find(free_slots.begin(), free_slots.end(), p.slot[size_t(r)]) == free_slots.end())
        free_slots.push_back(p.slot[size_t(r)]);
  }
  return p;
}

}  // namespace faultbench::detail
