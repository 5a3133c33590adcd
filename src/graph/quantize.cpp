// --numerics int8: calibration and the graph rewrite (faultbench/graph/quantize.h). Every
// formula here is specified in docs/NUMERICS.md ("int8"); tools/int8_reference.py
// re-implements them in NumPy. Float steps are single IEEE operations (no contraction:
// -ffp-contract=off), in the order written.
#include "faultbench/graph/quantize.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>
#include <variant>

#include <fmt/format.h>

#include "faultbench/error.h"
#include "faultbench/executor.h"
#include "faultbench/graph/executor_campaign.h"

namespace faultbench {

float int8_scale(float max_abs) {
  const float s = max_abs / 127.0f;
  return s > 0.0f ? s : 1.0f;
}

Int8Calibration calibrate_int8(const Graph& g, const Tensor& images, int threads) {
  ExecutorOptions eo;
  eo.threads = threads;
  Executor exec(g, eo);
  const ExecutorSteps steps(exec);
  Int8Calibration cal;
  cal.images = images.shape.at(0);
  cal.max_abs.assign(g.values.size(), 0.0f);
  constexpr int64_t kChunk = 8;  // images per pass: bounds the memory of all values at once
  std::vector<std::vector<float>> buf(g.values.size());
  std::vector<const float*> ins;
  const int64_t in_numel = g.input_shape.numel();
  for (int64_t first = 0; first < cal.images; first += kChunk) {
    const int batch = int(std::min(kChunk, cal.images - first));
    buf[size_t(g.input_value)].assign(images.ptr() + first * in_numel, images.ptr() + (first + batch) * in_numel);
    for (size_t i = 1; i < g.nodes.size(); ++i) {
      const Node& n = g.nodes[i];
      ins.clear();
      for (int v : n.inputs) ins.push_back(buf[size_t(v)].data());
      buf[size_t(n.output)].resize(size_t(batch) * size_t(g.values[size_t(n.output)].numel()));
      steps.run_node(int(i), ins, buf[size_t(n.output)].data(), batch, &exec.pool());
    }
    for (size_t v = 0; v < buf.size(); ++v) {
      float m = cal.max_abs[v];
      for (float x : buf[v]) {
        if (!std::isfinite(x))
          throw UsageError(
              fmt::format("--numerics int8: calibration image {} gives a non-finite value in the fp32 "
                          "model (value {}); no int8 scale can represent it",
                          first, v));
        m = std::max(m, std::fabs(x));
      }
      cal.max_abs[v] = m;
    }
  }
  return cal;
}

namespace {

struct Rewrite {
  const Graph& g;
  const Int8Calibration& cal;
  Graph out;
  std::vector<int> cur;            // old value -> new value
  std::vector<float> scale;        // old value -> its codes' scale (0: fp32 logits)
  std::vector<char> non_negative;  // old value -> codes in [0, 127] by construction
  std::vector<std::vector<int>> readers;
  std::vector<char> taken;
  Int8Report report;

  Rewrite(const Graph& graph, const Int8Calibration& c) : g(graph), cal(c), out(graph) {
    out.nodes.clear();
    out.values.clear();
    for (Param& p : out.params) p.node = -1;
    cur.assign(g.values.size(), -1);
    scale.assign(g.values.size(), 0.0f);
    non_negative.assign(g.values.size(), 0);
    readers.resize(g.values.size());
    taken.assign(g.nodes.size(), 0);
    for (size_t i = 0; i < g.nodes.size(); ++i)
      for (int v : g.nodes[i].inputs) readers[size_t(v)].push_back(int(i));
  }

  [[noreturn]] void fail(size_t i, const std::string& why) const {
    const Node& n = g.nodes[i];
    throw UsageError(fmt::format("--numerics int8: {}: node {} ({}{}{}) {}", g.model, i, op_kind_name(n.kind),
                                 n.name.empty() ? "" : " ", n.name, why));
  }
  int sole_reader(int v, OpKind kind) const {
    if (v == g.output_value || readers[size_t(v)].size() != 1) return -1;
    const int r = readers[size_t(v)][0];
    return g.nodes[size_t(r)].kind == kind && !taken[size_t(r)] ? r : -1;
  }
  int new_value(int old) {
    out.values.push_back(g.values[size_t(old)]);
    return int(out.values.size()) - 1;
  }
  int input(size_t i, int k) const {
    const int v = g.nodes[i].inputs.at(size_t(k));
    if (scale[size_t(v)] == 0.0f) fail(i, "reads the dequantized logits");
    return v;
  }
  // Appends `m` writing old value `old`; returns the node index.
  int push(Node m, int old, float s, bool nonneg) {
    m.output = new_value(old);
    const int index = int(out.nodes.size());
    out.nodes.push_back(std::move(m));
    cur[size_t(old)] = out.nodes.back().output;
    scale[size_t(old)] = s;
    non_negative[size_t(old)] = nonneg;
    return index;
  }
  // A node that only selects or moves codes: same scale, same sign.
  void copy(size_t i) {
    Node m = g.nodes[i];
    const int v = input(i, 0);
    for (int& x : m.inputs) x = cur[size_t(x)];
    const bool nonneg = m.kind == OpKind::ReLU || non_negative[size_t(v)];
    push(std::move(m), g.nodes[i].output, scale[size_t(v)], nonneg);
  }
  void conv(size_t i);
  int int32_bias_param(const Node& n, bool has_bias, const std::vector<int32_t>& bias);
  void add(size_t i);
  void avg_pool(size_t i);
  void concat(size_t i);
  void affine(size_t i);
  void run();
};

void Rewrite::conv(size_t i) {
  const Node& n = g.nodes[i];
  const bool linear = n.kind == OpKind::Linear;
  Conv2dAttrs geometry;
  bool has_bias = false;
  if (linear) {
    const auto& la = std::get<LinearAttrs>(n.attrs);
    if (la.weight_transposed || la.alpha != 1.0f || la.beta != 1.0f)
      fail(i, "is an ONNX Gemm/MatMul with a transposed weight or alpha/beta; int8 takes PyTorch linear layers");
    geometry = Conv2dAttrs{la.in_features, la.out_features, 1, la.bias, Window2d{}};
    has_bias = la.bias;
  } else {
    geometry = std::get<Conv2dAttrs>(n.attrs);
    has_bias = geometry.bias;
  }
  const int x = input(i, 0);
  int last = n.output, bn = -1, relu = -1;
  if (!linear && (bn = sole_reader(last, OpKind::BatchNorm2d)) >= 0) last = g.nodes[size_t(bn)].output;
  if ((relu = sole_reader(last, OpKind::ReLU)) >= 0) last = g.nodes[size_t(relu)].output;
  for (int m : {bn, relu})
    if (m >= 0) taken[size_t(m)] = 1;

  const int co = geometry.out_channels;
  Param& wp = out.params[size_t(n.params.at(0))];
  const int64_t per = wp.value.size() / co;
  std::vector<float> w(wp.value.data.begin(), wp.value.data.end());
  std::vector<float> b(size_t(co), 0.0f);
  std::vector<int32_t> bias;  // the int32 codes (none without a bias or a folded BN)
  if (has_bias)
    b.assign(g.params[size_t(n.params.at(1))].value.data.begin(), g.params[size_t(n.params.at(1))].value.data.end());
  if (bn >= 0) {  // the executor's folding (ops/batch_norm.cpp), then into the conv
    const Node& bnode = g.nodes[size_t(bn)];
    const auto p = [&](int k) { return g.params[size_t(bnode.params.at(size_t(k)))].value.data; };
    const std::vector<float> gamma = p(0), beta_b = p(1), mean = p(2), var = p(3);
    const float eps = float(std::get<BatchNormAttrs>(bnode.attrs).eps);
    for (int c = 0; c < co; ++c) {
      const float invstd = 1.0f / std::sqrt(var[size_t(c)] + eps);
      const float alpha = gamma[size_t(c)] * invstd;
      const float beta = beta_b[size_t(c)] - mean[size_t(c)] * alpha;
      for (int64_t k = 0; k < per; ++k) w[size_t(c * per + k)] = w[size_t(c * per + k)] * alpha;
      b[size_t(c)] = b[size_t(c)] * alpha + beta;
    }
    ++report.folded_batch_norms;
  }
  QuantizedAttrs a;
  a.op = QuantOp::Conv;
  a.conv = geometry;
  a.linear = linear;
  a.relu = relu >= 0;
  a.x_unsigned = non_negative[size_t(x)];
  const float sx = scale[size_t(x)];
  a.in_scale = {sx};
  const bool logits = last == g.output_value;
  a.out_scale = logits ? 0.0f : int8_scale(cal.max_abs[size_t(last)]);
  for (int c = 0; c < co; ++c) {
    float m = 0.0f;
    for (int64_t k = 0; k < per; ++k) {
      const float v = w[size_t(c * per + k)];
      if (!std::isfinite(v)) fail(i, fmt::format("has a non-finite weight (output channel {}) after folding", c));
      m = std::max(m, std::fabs(v));
    }
    const float ws = int8_scale(m);
    a.w_scale.push_back(ws);
    for (int64_t k = 0; k < per; ++k) {
      const float q = std::nearbyint(w[size_t(c * per + k)] / ws);
      wp.value.data[size_t(c * per + k)] = std::clamp(q, -127.0f, 127.0f) + 0.0f;  // +0.0f: no -0 codes
    }
    const float bs = sx * ws;
    if (has_bias || bn >= 0) {
      const double q = std::nearbyint(double(b[size_t(c)] / bs));
      if (!std::isfinite(b[size_t(c)])) fail(i, fmt::format("has a non-finite bias (output channel {})", c));
      bias.push_back(int32_t(std::clamp(q, -1073741824.0, 1073741824.0)));  // |bias| <= 2^30: no int32 wrap
    }
    a.multiplier.push_back(logits ? bs : bs / a.out_scale);
  }
  Node m;
  m.kind = OpKind::Quantized;
  m.name = n.name;
  m.inputs = {cur[size_t(x)]};
  m.params = {n.params.at(0)};
  if (!bias.empty()) m.params.push_back(int32_bias_param(n, has_bias, bias));
  m.attrs = std::move(a);
  const float s = logits ? 0.0f : std::get<QuantizedAttrs>(m.attrs).out_scale;
  const int index = push(std::move(m), last, s, relu >= 0);
  for (int p : out.nodes[size_t(index)].params) out.params[size_t(p)].node = index;
  report.layers.push_back(n.name);
}

// The int32 bias codes as a parameter, so that a fault list can name them ("<layer>.bias",
// docs/NUMERICS.md "int8", Faults). Its fp32 words hold the int32 codes' bits (bit_cast): an
// int32 does not fit an fp32 value exactly once a fault sets a high bit, while the word does,
// and a fault then flips exactly the int32's bit. The layer's fp32 bias parameter, when it
// has one, becomes it (same index); else (the bias of a folded batch norm) it is appended.
int Rewrite::int32_bias_param(const Node& n, bool has_bias, const std::vector<int32_t>& bias) {
  const Param& w = out.params[size_t(n.params.at(0))];
  std::string layer = w.name;
  if (layer.ends_with(".weight")) layer.resize(layer.size() - std::string(".weight").size());
  int index = has_bias ? n.params.at(1) : int(out.params.size());
  if (!has_bias) out.params.emplace_back();
  Param& p = out.params[size_t(index)];
  p.name = layer + ".bias";
  p.shape = {int64_t(bias.size())};
  p.role = ParamRole::Bias;
  p.value = Tensor(p.shape);
  for (size_t c = 0; c < bias.size(); ++c) p.value.data[c] = std::bit_cast<float>(bias[c]);
  return index;
}

void Rewrite::add(size_t i) {
  const Node& n = g.nodes[i];
  const int xa = input(i, 0), xb = input(i, 1);
  int last = n.output;
  const int relu = sole_reader(last, OpKind::ReLU);
  if (relu >= 0) last = g.nodes[size_t(relu)].output, taken[size_t(relu)] = 1;
  if (last == g.output_value) fail(i, "makes the logits; int8 needs them from a conv or linear layer");
  QuantizedAttrs a;
  a.op = QuantOp::Add;
  a.relu = relu >= 0;
  a.in_scale = {scale[size_t(xa)], scale[size_t(xb)]};
  a.out_scale = int8_scale(cal.max_abs[size_t(last)]);
  a.multiplier = {a.in_scale[0] / a.out_scale, a.in_scale[1] / a.out_scale};
  Node m;
  m.kind = OpKind::Quantized;
  m.inputs = {cur[size_t(xa)], cur[size_t(xb)]};
  const float s = a.out_scale;
  m.attrs = std::move(a);
  push(std::move(m), last, s, relu >= 0);
}

void Rewrite::avg_pool(size_t i) {
  const Node& n = g.nodes[i];
  const int x = input(i, 0);
  QuantizedAttrs a;
  a.op = QuantOp::AvgPool;
  a.global = n.kind == OpKind::GlobalAvgPool;
  const ValueShape& in = g.values[size_t(x)];
  int cells = in.h * in.w;
  if (!a.global) {
    a.pool = std::get<PoolAttrs>(n.attrs);
    const Window2d& w = a.pool.window;
    if (w.pad_top || w.pad_left || w.pad_bottom || w.pad_right || w.dilation_h != 1 || w.dilation_w != 1 ||
        a.pool.ceil_mode)
      fail(i, "pads, dilates or uses ceil_mode; int8 average pooling takes plain windows");
    cells = w.kernel_h * w.kernel_w;
  }
  if (n.output == g.output_value) fail(i, "makes the logits; int8 needs them from a conv or linear layer");
  a.in_scale = {scale[size_t(x)]};
  a.out_scale = int8_scale(cal.max_abs[size_t(n.output)]);
  a.multiplier = {a.in_scale[0] / a.out_scale / float(cells)};
  Node m;
  m.kind = OpKind::Quantized;
  m.inputs = {cur[size_t(x)]};
  const float s = a.out_scale;
  m.attrs = std::move(a);
  push(std::move(m), n.output, s, non_negative[size_t(x)]);
}

// Concat: each input's codes requantized to the output's scale (docs/NUMERICS.md "int8").
void Rewrite::concat(size_t i) {
  const Node& n = g.nodes[i];
  if (n.output == g.output_value) fail(i, "makes the logits; int8 needs them from a conv or linear layer");
  QuantizedAttrs a;
  a.op = QuantOp::Concat;
  a.out_scale = int8_scale(cal.max_abs[size_t(n.output)]);
  Node m;
  m.kind = OpKind::Quantized;
  m.name = n.name;
  bool nonneg = true;  // codes >= 0 times m > 0 stay >= 0
  for (size_t k = 0; k < n.inputs.size(); ++k) {
    const int v = input(i, int(k));
    a.in_scale.push_back(scale[size_t(v)]);
    a.multiplier.push_back(scale[size_t(v)] / a.out_scale);
    nonneg = nonneg && non_negative[size_t(v)];
    m.inputs.push_back(cur[size_t(v)]);
  }
  const float s = a.out_scale;
  m.attrs = std::move(a);
  push(std::move(m), n.output, s, nonneg);
}

// A batch norm that no conv absorbs (DenseNet's pre-activation, after a Concat): the
// executor's folding (ops/batch_norm.cpp), then a per-channel affine requantization with
// the ReLU that is its output's only reader fused.
void Rewrite::affine(size_t i) {
  const Node& n = g.nodes[i];
  const int x = input(i, 0);
  int last = n.output;
  const int relu = sole_reader(last, OpKind::ReLU);
  if (relu >= 0) last = g.nodes[size_t(relu)].output, taken[size_t(relu)] = 1;
  if (last == g.output_value) fail(i, "makes the logits; int8 needs them from a conv or linear layer");
  const auto p = [&](int k) { return g.params[size_t(n.params.at(size_t(k)))].value.data; };
  const std::vector<float> gamma = p(0), beta_b = p(1), mean = p(2), var = p(3);
  const float eps = float(std::get<BatchNormAttrs>(n.attrs).eps);
  QuantizedAttrs a;
  a.op = QuantOp::Affine;
  a.relu = relu >= 0;
  const float sx = scale[size_t(x)];
  a.in_scale = {sx};
  a.out_scale = int8_scale(cal.max_abs[size_t(last)]);
  for (size_t c = 0; c < gamma.size(); ++c) {
    const float invstd = 1.0f / std::sqrt(var[c] + eps);
    const float alpha = gamma[c] * invstd;
    const float beta = beta_b[c] - mean[c] * alpha;
    const float m = alpha * sx / a.out_scale, b = beta / a.out_scale;
    if (!std::isfinite(m) || !std::isfinite(b)) fail(i, fmt::format("has a non-finite scale or shift (channel {})", c));
    a.multiplier.push_back(m);
    a.offset.push_back(b);
  }
  Node q;
  q.kind = OpKind::Quantized;
  q.name = n.name;
  q.inputs = {cur[size_t(x)]};
  const float s = a.out_scale;
  q.attrs = std::move(a);
  push(std::move(q), last, s, relu >= 0);
  ++report.affine_batch_norms;
}

void Rewrite::run() {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (taken[i]) continue;
    const Node& n = g.nodes[i];
    switch (n.kind) {
      case OpKind::Input: {
        Node in = n;
        in.output = new_value(n.output);
        out.nodes.push_back(in);
        out.input_value = in.output;
        QuantizedAttrs a;
        a.op = QuantOp::Quantize;
        a.in_scale = {1.0f};
        a.out_scale = int8_scale(cal.max_abs[size_t(n.output)]);
        Node q;
        q.kind = OpKind::Quantized;
        q.inputs = {in.output};
        const float s = a.out_scale;
        q.attrs = std::move(a);
        push(std::move(q), n.output, s, false);
        break;
      }
      case OpKind::Conv2d:
      case OpKind::Linear: conv(i); break;
      case OpKind::Add: add(i); break;
      case OpKind::AvgPool2d:
      case OpKind::GlobalAvgPool: avg_pool(i); break;
      case OpKind::ReLU:
      case OpKind::MaxPool2d:
      case OpKind::GlobalMaxPool:
      case OpKind::ShortcutA:
      case OpKind::Flatten: copy(i); break;
      case OpKind::Concat: concat(i); break;
      case OpKind::BatchNorm2d: affine(i); break;  // one after a conv was folded into it (taken)
      default:
        fail(i,
             "is not covered by int8 (conv, linear, batch norm, ReLU, max/average pooling, add, concat, "
             "ShortcutA, flatten)");
    }
  }
  if (scale[size_t(g.output_value)] != 0.0f)
    throw UsageError(fmt::format("--numerics int8: {}: the logits do not come from a conv or linear layer", g.model));
  out.output_value = cur[size_t(g.output_value)];
  out.numerics = Numerics::Int8;
}

}  // namespace

Int8Report quantize_int8(Graph& graph, const Int8Calibration& calibration) {
  if (graph.numerics != Numerics::Fp32) throw UsageError("quantize_int8: the graph is not fp32");
  if (calibration.max_abs.size() != graph.values.size())
    throw UsageError("quantize_int8: the calibration was made on another graph");
  Rewrite r(graph, calibration);
  r.run();
  graph = std::move(r.out);
  return r.report;
}

}  // namespace faultbench
