// build_int8_graph (quantized.h): the imported graph of a stripped quantized model, with its
// QuantizeLinear / DequantizeLinear markers, turned into the executor's int8 operators with
// the model's scales. The formulas are the ONNX operators' (docs/NUMERICS.md, "scales from
// a quantized ONNX model"), computed by the kernels of --numerics int8.
#include <bit>
#include <cmath>
#include <variant>

#include <fmt/format.h>

#include "faultbench/error.h"
#include "quantized.h"

namespace faultbench::onnx_import {

namespace {

// What a value of the imported graph holds: fp32 numbers (the image, the logits, what float
// ops compute), int8 codes (a QuantizeLinear's output), or codes that the model dequantized
// (a DequantizeLinear: the int8 graph keeps the codes and the DequantizeLinear's scale, and
// computes fp32(q * scale) only where a float op reads the value).
enum class Held { Float, Codes, Dequantized };
struct State {
  Held held = Held::Float;
  float scale = 0.0f;
  bool non_negative = false;  // codes in [0, 127] by construction (a ReLU's output)
  int dq_node = -1;           // Dequantized: the DequantizeLinear's marker node (its Mul)
};

struct Builder {
  const Graph& g;
  const QuantPlan& plan;
  const std::string& file;
  Graph out;
  std::vector<int> cur;
  std::vector<State> st;
  std::vector<std::vector<int>> readers;
  std::vector<char> taken;
  std::vector<char> keep_param;
  std::vector<Param> extra;       // the scales of materialized DequantizeLinear nodes
  std::vector<int> materialized;  // old value -> its fp32 value in `out`, once computed

  Builder(const Graph& graph, const QuantPlan& p, const std::string& f) : g(graph), plan(p), file(f), out(graph) {
    out.nodes.clear();
    out.values.clear();
    cur.assign(g.values.size(), -1);
    st.assign(g.values.size(), State{});
    readers.resize(g.values.size());
    taken.assign(g.nodes.size(), 0);
    keep_param.assign(g.params.size(), 1);
    materialized.assign(g.values.size(), -1);
    for (size_t i = 0; i < g.nodes.size(); ++i)
      for (int v : g.nodes[i].inputs) readers[size_t(v)].push_back(int(i));
  }

  [[noreturn]] void fail(const std::string& node, const std::string& op, const std::string& why) const {
    throw FormatError(fmt::format("{}: node '{}' ({}): {}", file, node, op, why));
  }
  [[noreturn]] void fail_ir(size_t i, const std::string& why) const {
    const Node& n = g.nodes[i];
    fail(n.name.empty() ? fmt::format("#{}", i) : n.name, op_kind_name(n.kind), why);
  }
  const QuantMarker* marker_of(size_t i) const {
    const Node& n = g.nodes[i];
    if (n.kind != OpKind::Binary || n.params.size() != 1 || n.inputs.size() != 1) return nullptr;
    const auto it = plan.markers.find(g.params[size_t(n.params[0])].name);
    return it == plan.markers.end() ? nullptr : &it->second;
  }
  // The node reading value v when it is the only reader and not yet consumed.
  int sole_reader(int v) const {
    if (v == g.output_value || readers[size_t(v)].size() != 1) return -1;
    const int r = readers[size_t(v)][0];
    return taken[size_t(r)] ? -1 : r;
  }
  int push(Node m, int old, State s) {
    out.values.push_back(g.values[size_t(old)]);
    m.output = int(out.values.size()) - 1;
    out.nodes.push_back(std::move(m));
    cur[size_t(old)] = out.nodes.back().output;
    st[size_t(old)] = s;
    return int(out.nodes.size()) - 1;
  }
  void alias(int old, int from, State s) {
    cur[size_t(old)] = cur[size_t(from)];
    st[size_t(old)] = s;
  }
  int materialize(int old, size_t reader);
  int int32_bias_param(int weight, const std::vector<int32_t>& bias);
  void quantize(int old, int x, const QuantMarker& mk);
  void float_node(size_t i);
  void marker(size_t i, const QuantMarker& mk);
  void layer(size_t i);
  void run();
};

// The fp32 value of `old` for a float op (node `reader`): itself, or, for dequantized codes,
// DequantizeLinear's fp32(fp32(q - 0) * x_scale): an fp32 Mul by the scale, once per value
// (after Relu, MaxPool or Flatten on the codes: they commute with it exactly, the scale being
// positive).
int Builder::materialize(int old, size_t reader) {
  const State& s = st[size_t(old)];
  if (s.held == Held::Float) return cur[size_t(old)];
  if (s.held == Held::Codes)
    fail_ir(reader,
            "reads int8 codes: not supported (Relu, MaxPool, Flatten and Reshape run on int8 tensors; other ops "
            "read DequantizeLinear's output)");
  if (materialized[size_t(old)] >= 0) return materialized[size_t(old)];
  const Node& dq = g.nodes[size_t(s.dq_node)];
  Param p = g.params[size_t(dq.params[0])];
  p.name += fmt::format("@{}", extra.size());
  p.node = int(out.nodes.size());
  extra.push_back(std::move(p));
  Node m = dq;
  m.inputs = {cur[size_t(old)]};
  m.params = {-int(extra.size())};  // remapped at the end of run()
  out.values.push_back(g.values[size_t(old)]);
  m.output = int(out.values.size()) - 1;
  out.nodes.push_back(std::move(m));
  return materialized[size_t(old)] = out.nodes.back().output;
}

// QuantizeLinear of the fp32 value `x` into old value `old`.
void Builder::quantize(int old, int x, const QuantMarker& mk) {
  QuantizedAttrs a;
  a.op = QuantOp::Quantize;
  a.in_scale = {1.0f};
  a.out_scale = mk.scale;
  Node q;
  q.kind = OpKind::Quantized;
  q.name = mk.node;
  q.inputs = {x};
  q.attrs = std::move(a);
  push(std::move(q), old, State{Held::Codes, mk.scale, false, -1});
}

void Builder::marker(size_t i, const QuantMarker& mk) {
  const Node& n = g.nodes[i];
  const int x = n.inputs[0];
  const State s = st[size_t(x)];
  keep_param[size_t(n.params[0])] = 0;
  if (mk.dequantize) {
    if (s.held != Held::Codes)
      fail(mk.node, mk.op,
           "dequantizing a value that is not int8 codes from QuantizeLinear, QLinearConv or QLinearMatMul is not "
           "supported");
    alias(n.output, x, State{Held::Dequantized, mk.scale, s.non_negative, int(i)});
    return;
  }
  // QuantizeLinear(DequantizeLinear(q)) with the same scale is q (|q| <= 128: the two
  // roundings' errors stay far below 1/2); otherwise the fp32 value is quantized.
  if (s.held == Held::Dequantized && s.scale == mk.scale) {
    alias(n.output, x, State{Held::Codes, s.scale, s.non_negative, -1});
    return;
  }
  if (s.held == Held::Codes) fail(mk.node, mk.op, "quantizing int8 codes again is not supported");
  quantize(n.output, materialize(x, i), mk);
}

void Builder::layer(size_t i) {
  const Node& n = g.nodes[i];
  const std::string& wname = g.params[size_t(n.params.at(0))].name;
  const auto it = plan.layers.find(wname);
  if (it == plan.layers.end()) fail_ir(i, fmt::format("weight '{}' is not int8", wname));
  const QuantLayer& l = it->second;
  const int x = n.inputs[0];
  const State& xs = st[size_t(x)];
  if (l.qlinear ? xs.held != Held::Codes : xs.held != Held::Dequantized)
    fail(l.node, l.op,
         l.qlinear ? "an input x that is not int8 codes (from QuantizeLinear, QLinearConv or QLinearMatMul) is not "
                     "supported"
                   : "an input that is not a DequantizeLinear of int8 codes is not supported (a float layer in a "
                     "quantized model)");
  // The scale the op reads its input with: QLinear's x_scale, or the DequantizeLinear's.
  const float x_scale = l.qlinear ? l.x_scale : xs.scale;
  // The output: [Relu], then QuantizeLinear (the QDQ format) or the QLinear op's own marker.
  int last = n.output, relu = -1, q = -1;
  if (int r = sole_reader(last); r >= 0 && g.nodes[size_t(r)].kind == OpKind::ReLU)
    relu = r, last = g.nodes[size_t(r)].output;
  if (int r = sole_reader(last); r >= 0 && marker_of(size_t(r)) && !marker_of(size_t(r))->dequantize) q = r;
  if (q < 0)
    fail(l.node, l.op,
         "an unquantized output is not supported: a QuantizeLinear must read it (after an optional Relu), as "
         "quantize_static writes");
  const QuantMarker& qm = *marker_of(size_t(q));
  for (int t : {relu, q})
    if (t >= 0) taken[size_t(t)] = 1;
  keep_param[size_t(g.nodes[size_t(q)].params[0])] = 0;

  QuantizedAttrs a;
  a.op = QuantOp::Conv;
  if (n.kind == OpKind::Linear) {
    const auto& la = std::get<LinearAttrs>(n.attrs);
    a.linear = true;
    a.weight_kn = la.weight_transposed;
    a.conv = Conv2dAttrs{la.in_features, la.out_features, 1, false, Window2d{}};
  } else {
    a.conv = std::get<Conv2dAttrs>(n.attrs);
  }
  const int co = a.conv.out_channels;
  a.conv.bias = !l.bias.empty();
  if (l.w_scale.size() != 1 && l.w_scale.size() != size_t(co))
    fail(l.node, l.op, fmt::format("{} weight scales for {} output channels", l.w_scale.size(), co));
  if (!l.bias.empty() && l.bias.size() != size_t(co))
    fail(l.node, l.op, fmt::format("the bias has {} values for {} output channels", l.bias.size(), co));
  if (!l.bias_scale.empty() && l.bias_scale.size() != 1 && l.bias_scale.size() != size_t(co))
    fail(l.node, l.op, fmt::format("the bias has {} scales for {} output channels", l.bias_scale.size(), co));
  a.relu = relu >= 0;
  a.x_unsigned = xs.non_negative;
  a.in_scale = {x_scale};
  a.out_scale = qm.scale;
  std::vector<int32_t> bias;  // the int32 codes, as the parameter int32_bias_param makes of them
  for (int c = 0; c < co; ++c) {
    const float ws = l.w_scale[l.w_scale.size() == 1 ? 0 : size_t(c)];
    const float bs = x_scale * ws;  // ONNX: x_scale * w_scale / y_scale, left to right in fp32
    a.w_scale.push_back(ws);
    a.multiplier.push_back(bs / qm.scale);
    if (l.bias.empty()) continue;
    // A QDQ bias is QLinearConv's only when its scale is x_scale * w_scale (quantize_static's).
    if (!l.bias_scale.empty() && l.bias_scale[l.bias_scale.size() == 1 ? 0 : size_t(c)] != bs)
      fail(l.node, l.op,
           fmt::format("the bias scale {} of output channel {} is not x_scale * w_scale = {}",
                       l.bias_scale[l.bias_scale.size() == 1 ? 0 : size_t(c)], c, bs));
    const int32_t b = l.bias[size_t(c)];
    // |bias| <= 2^30 keeps sum + bias inside int32 (the kernels' bound, docs/NUMERICS.md).
    if (b > (1 << 30) || b < -(1 << 30))
      fail(l.node, l.op, fmt::format("bias code {} of output channel {} is outside +-2^30", b, c));
    bias.push_back(b);
  }
  Node m;
  m.kind = OpKind::Quantized;
  m.name = n.name;
  m.inputs = {cur[size_t(x)]};
  m.params = {n.params[0]};
  if (!bias.empty()) m.params.push_back(int32_bias_param(n.params[0], bias));
  m.attrs = std::move(a);
  const int index = push(std::move(m), g.nodes[size_t(q)].output, State{Held::Codes, qm.scale, relu >= 0, -1});
  out.params[size_t(n.params[0])].node = index;
  if (!bias.empty()) extra[size_t(-out.nodes[size_t(index)].params[1] - 1)].node = index;
}

// The layer's int32 bias codes as a parameter "<layer>.bias" (the layer: the weight's name
// without ".weight"), as quantize_int8 makes it (docs/NUMERICS.md "int8", Faults): its fp32
// words hold the int32s' bits, so that a fault list can name it and a fault flips exactly
// the int32's bit. Appended after the imported parameters (a negative id until run() ends).
int Builder::int32_bias_param(int weight, const std::vector<int32_t>& bias) {
  std::string layer = g.params[size_t(weight)].name;
  if (layer.ends_with(".weight")) layer.resize(layer.size() - std::string(".weight").size());
  Param p;
  p.name = layer + ".bias";
  p.shape = {int64_t(bias.size())};
  p.role = ParamRole::Bias;
  p.value = Tensor(p.shape);
  for (size_t c = 0; c < bias.size(); ++c) p.value.data[c] = std::bit_cast<float>(bias[c]);
  extra.push_back(std::move(p));
  return -int(extra.size());
}

// Any other op computes in fp32 on fp32 values, as the ONNX graph says (the QDQ format's Add,
// AveragePool, Concat, ...): dequantized inputs are materialized, the output is fp32.
void Builder::float_node(size_t i) {
  const Node& n = g.nodes[i];
  Node m = n;
  for (int& v : m.inputs) v = materialize(v, i);
  const int index = push(std::move(m), n.output, State{});
  for (int p : n.params) out.params[size_t(p)].node = index;
}

void Builder::run() {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (taken[i]) continue;
    const Node& n = g.nodes[i];
    if (n.kind == OpKind::Input) {
      Node in = n;
      out.values.push_back(g.values[size_t(n.output)]);
      in.output = int(out.values.size()) - 1;
      out.nodes.push_back(in);
      out.input_value = in.output;
      cur[size_t(n.output)] = in.output;
      continue;
    }
    if (const QuantMarker* mk = marker_of(i)) {
      marker(i, *mk);
      continue;
    }
    switch (n.kind) {
      case OpKind::Conv2d:
      case OpKind::Linear: layer(i); break;
      case OpKind::ReLU:
      case OpKind::MaxPool2d:
      case OpKind::GlobalMaxPool:
      case OpKind::Flatten:
      case OpKind::Reshape: {
        State s = st[size_t(n.inputs.at(0))];
        if (s.held == Held::Float) {
          float_node(i);
          break;
        }
        Node m = n;
        for (int& v : m.inputs) v = cur[size_t(v)];
        s.non_negative = s.non_negative || n.kind == OpKind::ReLU;
        push(std::move(m), n.output, s);
        break;
      }
      default: float_node(i);
    }
  }
  if (st[size_t(g.output_value)].held == Held::Codes)
    throw FormatError(
        fmt::format("{}: a quantized model whose output is int8 codes is not supported (a DequantizeLinear at the "
                    "output gives the fp32 logits)",
                    file));
  out.output_value = materialize(g.output_value, g.nodes.size() - 1);
  // The markers' constants go (they stood for scales now in the int8 nodes); the kept
  // parameters keep their order, so fault lists and --weights address them as imported.
  std::vector<int> index(g.params.size(), -1);
  std::vector<Param> params;
  for (size_t p = 0; p < g.params.size(); ++p)
    if (keep_param[p]) {
      index[p] = int(params.size());
      params.push_back(std::move(out.params[p]));
    }
  const int kept = int(params.size());
  for (Param& p : extra) params.push_back(std::move(p));
  out.params = std::move(params);
  for (Node& m : out.nodes)
    for (int& p : m.params) p = p < 0 ? kept + (-p - 1) : index[size_t(p)];
  out.numerics = Numerics::Int8;
}

}  // namespace

Graph build_int8_graph(const Graph& imported, const QuantPlan& plan, const std::string& file) {
  Builder b(imported, plan, file);
  b.run();
  return std::move(b.out);
}

}  // namespace faultbench::onnx_import
