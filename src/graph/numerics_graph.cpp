// apply_numerics: the one place that decides, per mode, which values and weights are
// rounded to which format (docs/NUMERICS.md). The executor only obeys the graph: Round
// nodes and Node::weight_format.
#include "faultbench/graph/numerics_graph.h"

#include <cmath>
#include <string>
#include <variant>

#include "faultbench/error.h"

namespace faultbench {

namespace {

// Operators whose output is exactly representable in a format whenever their inputs are
// (they select, copy or zero values): no rounding after them.
bool keeps_format(OpKind k) {
  return k == OpKind::ReLU || k == OpKind::MaxPool2d || k == OpKind::Concat || k == OpKind::ShortcutA ||
         k == OpKind::Flatten || k == OpKind::Round;
}

bool uses_tf32(const Graph& g, int node, Numerics numerics) {
  const OpKind k = g.nodes[size_t(node)].kind;
  if (k != OpKind::Conv2d && k != OpKind::Linear) return false;
  if (numerics == Numerics::Tf32) return true;
  return numerics == Numerics::Tf32Published && tf32_published_uses_tensor_cores(g, node);
}

// bf16/fp16: every parameter converted to the format (as PyTorch's module.to(dtype)).
void convert_params(Graph& g, RoundFormat f, NumericsReport& report) {
  for (Param& p : g.params) {
    for (size_t i = 0; i < p.value.data.size(); ++i) {
      float& v = p.value.data[i];
      const float r = round_to_format(f, v);
      if (std::isfinite(v) && !std::isfinite(r)) {
        if (report.overflowed++ == 0) report.first_overflow = p.name + "[" + std::to_string(i) + "]";
      }
      v = r;
    }
  }
}

}  // namespace

bool tf32_published_uses_tensor_cores(const Graph& g, int node) {
  const Node& n = g.nodes.at(size_t(node));
  // Linear layers: PyTorch >= 1.12 runs matmuls in fp32 (torch.backends.cuda.matmul.allow_tf32
  // defaults to False); only cuDNN convolutions use TF32 by default.
  if (n.kind != OpKind::Conv2d) return false;
  const auto& a = std::get<Conv2dAttrs>(n.attrs);
  const ValueShape& in = g.values.at(size_t(n.inputs.at(0)));
  if (a.groups != 1) return false;  // grouped / depthwise: no evidence of tensor cores
  const Window2d& w = a.window;
  const bool k1 = w.kernel_h == 1 && w.kernel_w == 1, k3 = w.kernel_h == 3 && w.kernel_w == 3;
  const bool stride1 = w.stride_h == 1 && w.stride_w == 1;
  if (k1 && !stride1) return false;  // strided 1x1 projections (ResNet18's downsample)
  // 3x3 stride-1 256 -> 256 on 8x8 maps: fp32 in VGG11, VGG13 (CIFAR-10) and ResNet18 (CIFAR-100).
  if (k3 && stride1 && a.in_channels == 256 && a.out_channels == 256 && in.h == 8 && in.w == 8) return false;
  const bool small_map = in.h <= 8 && in.w <= 8;
  return (a.in_channels >= 32 && a.out_channels >= 64) || (a.in_channels >= 128 && small_map);
}

NumericsReport apply_numerics(Graph& g, Numerics numerics) {
  NumericsReport report;
  g.numerics = numerics;
  if (numerics == Numerics::Fp32) return report;
  // int8 needs calibration images: quantize_int8 (graph/quantize.h) does it.
  if (numerics == Numerics::Int8)
    throw UsageError("apply_numerics: int8 is applied by quantize_int8 (graph/quantize.h)");
  const RoundFormat storage = weight_storage_format(numerics);
  if (storage != RoundFormat::None) convert_params(g, storage, report);

  Graph out = g;
  out.nodes.clear();
  out.values.clear();
  const size_t old_values = g.values.size();
  std::vector<int> current(old_values, -1);  // the new value readers of an old value use
  std::vector<int> tf32(old_values, -1);     // its TF32-rounded copy, once made
  auto new_value = [&](const ValueShape& s) {
    out.values.push_back(s);
    return int(out.values.size()) - 1;
  };
  auto push_round = [&](int value, RoundFormat f) {
    Node r;
    r.kind = OpKind::Round;
    r.inputs = {value};
    r.output = new_value(out.values[size_t(value)]);
    r.attrs = RoundAttrs{f};
    out.nodes.push_back(r);
    return r.output;
  };
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node m = g.nodes[i];
    for (int& v : m.inputs) v = current[size_t(v)];
    if (uses_tf32(g, int(i), numerics)) {
      const int v = g.nodes[i].inputs.at(0);
      if (tf32[size_t(v)] < 0) tf32[size_t(v)] = push_round(current[size_t(v)], RoundFormat::Tf32);
      m.inputs[0] = tf32[size_t(v)];
      m.weight_format = RoundFormat::Tf32;
      report.tf32_layers.push_back(m.name);
    }
    m.output = new_value(g.values[size_t(g.nodes[i].output)]);
    const int index = int(out.nodes.size());
    for (int p : m.params) out.params[size_t(p)].node = index;
    out.nodes.push_back(m);
    current[size_t(g.nodes[i].output)] = m.output;
    if (g.nodes[i].output == g.input_value) out.input_value = m.output;
    if (storage != RoundFormat::None && !keeps_format(m.kind))
      current[size_t(g.nodes[i].output)] = push_round(m.output, storage);
  }
  out.output_value = current[size_t(g.output_value)];
  g = std::move(out);
  return report;
}

}  // namespace faultbench
