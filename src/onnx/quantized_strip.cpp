// strip_quantization (quantized.h): the quantization operators of an ONNX model recorded in a
// QuantPlan and replaced by what the fp32 importer maps. What is accepted is what the int8
// executor computes exactly (docs/NUMERICS.md): int8 codes with zero point 0 (symmetric)
// for weights and activations, per-tensor activation scales, per-tensor or per-output-channel
// weight scales, int32 biases with zero point 0.
#include <cfloat>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include "node_util.h"
#include "quantized.h"

namespace faultbench::onnx_import {

namespace {

constexpr int kUint8 = onnx::TensorProto::UINT8, kInt8 = onnx::TensorProto::INT8, kInt32 = onnx::TensorProto::INT32;

const std::set<std::string>& quantization_ops() {
  static const std::set<std::string> ops{
      "QuantizeLinear",          "DequantizeLinear",      "QLinearConv", "QLinearMatMul", "ConvInteger",
      "MatMulInteger",           "DynamicQuantizeLinear", "QLinearAdd",  "QLinearMul",    "QLinearConcat",
      "QLinearGlobalAveragePool"};
  return ops;
}

constexpr const char* kSupported =
    "quantization operators supported: QuantizeLinear, DequantizeLinear, QLinearConv, QLinearMatMul, and Conv, "
    "Gemm, MatMul on int8 weights behind DequantizeLinear";

struct WeightDq {
  std::string init;  // the int8 initializer
  std::vector<float> scale;
  int64_t axis = 1;
};
struct BiasDq {
  std::vector<int32_t> codes;
  std::vector<float> scale;
};

class Stripper {
 public:
  Stripper(onnx::ModelProto& m, const std::string& file, TensorSource& source) : m_(m), file_(file), source_(source) {}
  QuantPlan run();

 private:
  onnx::ModelProto& m_;
  const std::string& file_;
  TensorSource& source_;
  QuantPlan plan_;
  std::map<std::string, onnx::TensorProto*> inits_;
  std::map<std::string, const onnx::TensorProto*> constants_;  // Constant nodes' values
  std::set<std::string> dynamic_, converted_;
  std::map<std::string, WeightDq> weights_;
  std::map<std::string, BiasDq> biases_;
  std::vector<onnx::NodeProto> out_;
  std::vector<onnx::TensorProto> markers_;

  ConstTensor constant(const NodeRef& n, int k, const std::string& what) {
    if (k >= n.node.input_size() || n.node.input(k).empty()) n.fail(fmt::format("input {} ({}) is missing", k, what));
    const std::string& name = n.node.input(k);
    const onnx::TensorProto* t = nullptr;
    if (const auto i = inits_.find(name); i != inits_.end()) t = i->second;
    if (const auto c = constants_.find(name); c != constants_.end()) t = c->second;
    if (!t)
      n.fail(fmt::format("{} '{}' is not an initializer: quantization parameters given at run time are not supported",
                         what, name));
    return read_tensor(*t, source_, fmt::format("{} '{}'", what, name));
  }
  std::vector<float> scales(const NodeRef& n, int k, const std::string& what) {
    const ConstTensor t = constant(n, k, what);
    if (!t.is_float || t.size() < 1)
      n.fail(fmt::format("{} '{}' of type {} is not supported (a float tensor is)", what, n.node.input(k),
                         onnx_type_name(t.onnx_type)));
    for (float s : t.f)
      if (!(s >= FLT_MIN) || !std::isfinite(s))
        n.fail(fmt::format("{} '{}' holds {}: not supported (a scale is a positive, normal, finite float)", what,
                           n.node.input(k), s));
    return t.f;
  }
  float scalar_scale(const NodeRef& n, int k, const std::string& what) {
    const std::vector<float> s = scales(n, k, what);
    if (s.size() != 1)
      n.fail(fmt::format("{} '{}' has {} values: per-axis activation scales are not supported (one scale is)", what,
                         n.node.input(k), s.size()));
    return s[0];
  }
  // A zero point must be of `type` and 0 everywhere; absent means `absent_type` with 0.
  void zero_point(const NodeRef& n, int k, int type, int absent_type, const std::string& what) {
    const bool given = k < n.node.input_size() && !n.node.input(k).empty();
    const ConstTensor t = given ? constant(n, k, what) : ConstTensor::ints({}, {0}, absent_type);
    const std::string name = given ? "'" + n.node.input(k) + "'" : "(absent: uint8 0)";
    if (t.onnx_type == kUint8)
      n.fail(fmt::format("{} {} is uint8: uint8 activations and weights are not supported ({} with zero point 0 is)",
                         what, name, onnx_type_name(type)));
    if (t.onnx_type != type)
      n.fail(fmt::format("{} {} is {}: not supported ({} is)", what, name, onnx_type_name(t.onnx_type),
                         onnx_type_name(type)));
    for (int64_t i = 0; i < t.size(); ++i)
      if (t.int_at(i) != 0)
        n.fail(
            fmt::format("{} {} is {}: non-zero zero points are not supported (symmetric quantization, zero point "
                        "0, is)",
                        what, name, t.int_at(i)));
  }
  std::string marker(const NodeRef& n, bool dequantize, float scale) {
    std::string name = fmt::format("{}#{}{}", n.node.name().empty() ? n.node.output(0) : n.node.name(),
                                   dequantize ? "dequantize" : "quantize", plan_.markers.size());
    while (inits_.count(name) || plan_.markers.count(name)) name += "_";
    onnx::TensorProto t;
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    t.add_float_data(dequantize ? scale : 1.0f);  // a DequantizeLinear at the output runs as this Mul
    markers_.push_back(std::move(t));
    plan_.markers[name] = QuantMarker{dequantize, scale, n.node.name(), n.node.op_type()};
    return name;
  }
  void emit_marker(const NodeRef& n, const std::string& x, const std::string& y, bool dequantize, float scale) {
    onnx::NodeProto mul;
    mul.set_op_type("Mul");
    mul.set_name(n.node.name());
    mul.add_input(x);
    mul.add_input(marker(n, dequantize, scale));
    mul.add_output(y);
    out_.push_back(std::move(mul));
  }
  // The int8 initializer `name` becomes a float one holding the codes (the layer's parameter).
  void convert_weight(const NodeRef& n, const std::string& name) {
    const auto it = inits_.find(name);
    if (it == inits_.end()) n.fail(fmt::format("int8 weight '{}' is not an initializer: not supported", name));
    if (!converted_.insert(name).second)
      n.fail(fmt::format("int8 weight '{}' is read by two layers: not supported (a fault site is one layer's)", name));
    const ConstTensor t = read_tensor(*it->second, source_, fmt::format("initializer '{}'", name));
    if (t.onnx_type == kUint8)
      n.fail(fmt::format("weight '{}' is uint8: uint8 weights are not supported (int8 with zero point 0 is)", name));
    if (t.onnx_type != kInt8)
      n.fail(fmt::format("weight '{}' is {}: not supported (int8 is)", name, onnx_type_name(t.onnx_type)));
    onnx::TensorProto* p = it->second;
    p->clear_raw_data();
    p->clear_int32_data();
    p->clear_external_data();
    p->clear_data_location();
    p->clear_float_data();
    p->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t v : t.i) p->add_float_data(float(v));
  }
  void dequantize(const NodeRef& n);
  void quantize(const NodeRef& n);
  void qlinear(const NodeRef& n);
  void float_layer(const NodeRef& n);
  // Per-channel scales must be along `axis` of a weight with `channels` there.
  void check_axis(const NodeRef& n, const WeightDq& w, int64_t axis, int64_t channels);
};

void Stripper::dequantize(const NodeRef& n) {
  n.only_attributes({"axis"});
  const std::string& x = n.node.input(0);
  if (!dynamic_.count(x)) {  // a constant: the int8 weight or int32 bias of the layer reading it
    const auto it = inits_.find(x);
    if (it == inits_.end()) n.fail(fmt::format("input '{}' is not an initializer: not supported", x));
    const int type = it->second->data_type();
    const std::vector<float> s = scales(n, 1, "x_scale");
    if (type == kInt32) {
      zero_point(n, 2, kInt32, kInt32, "x_zero_point");
      const ConstTensor t = constant(n, 0, "bias");
      BiasDq b;
      b.scale = s;
      for (int64_t v : t.i) b.codes.push_back(int32_t(v));
      biases_[n.node.output(0)] = std::move(b);
      return;
    }
    zero_point(n, 2, kInt8, type, "x_zero_point");
    if (type != kInt8)
      n.fail(fmt::format("weight '{}' is {}: not supported (int8 with zero point 0 is)", x, onnx_type_name(type)));
    int64_t axis = n.get_int("axis", 1);
    const int64_t rank = it->second->dims_size();
    if (axis < 0) axis += rank;
    weights_[n.node.output(0)] = WeightDq{x, s, axis};
    return;
  }
  const float s = scalar_scale(n, 1, "x_scale");
  zero_point(n, 2, kInt8, kInt8, "x_zero_point");
  emit_marker(n, x, n.node.output(0), true, s);
}

void Stripper::quantize(const NodeRef& n) {
  n.only_attributes({"axis"});
  if (!dynamic_.count(n.node.input(0)))
    n.fail("quantizing a constant is not supported (int8 weights are stored as int8 initializers)");
  const float s = scalar_scale(n, 1, "y_scale");
  zero_point(n, 2, kInt8, kUint8, "y_zero_point");
  emit_marker(n, n.node.input(0), n.node.output(0), false, s);
}

void Stripper::check_axis(const NodeRef& n, const WeightDq& w, int64_t axis, int64_t channels) {
  if (w.scale.size() == 1) return;
  if (w.axis != axis || int64_t(w.scale.size()) != channels)
    n.fail(
        fmt::format("weight '{}' has {} scales along axis {}: not supported (per-channel weight scales are one "
                    "per output channel: {} along axis {})",
                    w.init, w.scale.size(), w.axis, channels, axis));
}

// QLinearConv (x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B) and QLinearMatMul
// (a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp): the float op on the codes, then a
// QuantizeLinear marker for y_scale.
void Stripper::qlinear(const NodeRef& n) {
  const bool conv = n.op() == "QLinearConv";
  if (n.node.input_size() < 8) n.fail("fewer than 8 inputs are not supported (the operator has 8, 9 with a bias)");
  QuantLayer l;
  l.qlinear = true;
  l.node = n.node.name();
  l.op = n.op();
  l.x_scale = scalar_scale(n, 1, "x_scale");
  zero_point(n, 2, kInt8, kInt8, "x_zero_point");
  const std::string& w = n.node.input(3);
  l.w_scale = scales(n, 4, "w_scale");
  zero_point(n, 5, kInt8, kInt8, "w_zero_point");
  const float y_scale = scalar_scale(n, 6, "y_scale");
  zero_point(n, 7, kInt8, kInt8, "y_zero_point");
  const auto wi = inits_.find(w);
  if (wi == inits_.end()) n.fail(fmt::format("int8 weight '{}' is not an initializer: not supported", w));
  const int64_t channels = wi->second->dims_size() >= 2 ? wi->second->dims(conv ? 0 : 1) : 0;
  if (l.w_scale.size() != 1 && int64_t(l.w_scale.size()) != channels)
    n.fail(fmt::format("w_scale has {} values: not supported (one, or one per output channel: {})", l.w_scale.size(),
                       channels));
  if (conv && n.node.input_size() > 8 && !n.node.input(8).empty()) {
    const ConstTensor b = constant(n, 8, "B");
    if (b.onnx_type != kInt32)
      n.fail(fmt::format("a bias B of type {} is not supported (int32 is)", onnx_type_name(b.onnx_type)));
    for (int64_t v : b.i) l.bias.push_back(int32_t(v));
  }
  convert_weight(n, w);

  plan_.layers[w] = std::move(l);
  onnx::NodeProto op;
  op.set_op_type(conv ? "Conv" : "MatMul");
  op.set_name(n.node.name());
  op.add_input(n.node.input(0));
  op.add_input(w);
  const std::string acc = n.node.output(0) + "#int32";
  op.add_output(acc);
  if (conv) {
    n.only_attributes({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
    for (const auto& a : n.node.attribute()) *op.add_attribute() = a;
  } else {
    n.only_attributes({});
  }
  out_.push_back(std::move(op));
  emit_marker(n, acc, n.node.output(0), false, y_scale);
}

// Conv / Gemm / MatMul of the QDQ format: the weight (and bias) from DequantizeLinear nodes.
void Stripper::float_layer(const NodeRef& n) {
  const std::string& op = n.op();
  const int bias_input = op == "MatMul" ? -1 : 2;
  const std::string& w = n.node.input_size() > 1 ? n.node.input(1) : std::string();
  const auto wd = weights_.find(w);
  if (wd == weights_.end())
    n.fail(
        fmt::format("weight '{}' is not an int8 tensor behind DequantizeLinear: mixed float and int8 layers are "
                    "not supported",
                    w));
  QuantLayer l;
  l.node = n.node.name();
  l.op = op;
  l.w_scale = wd->second.scale;
  const onnx::TensorProto& wt = *inits_.at(wd->second.init);
  if (op == "Conv") {
    check_axis(n, wd->second, 0, wt.dims_size() ? wt.dims(0) : 0);
  } else if (op == "Gemm") {
    if (n.get_int("transA", 0) != 0) n.unsupported_attribute("transA", "1", "0");
    if (n.get_float("alpha", 1.0f) != 1.0f) n.fail("alpha other than 1 is not supported in a quantized model");
    const bool trans_b = n.get_int("transB", 0) != 0;
    check_axis(n, wd->second, trans_b ? 0 : 1, wt.dims_size() == 2 ? wt.dims(trans_b ? 0 : 1) : 0);
  } else {
    check_axis(n, wd->second, 1, wt.dims_size() == 2 ? wt.dims(1) : 0);
  }
  onnx::NodeProto copy = n.node;
  copy.set_input(1, wd->second.init);
  if (bias_input > 0 && n.node.input_size() > bias_input && !n.node.input(bias_input).empty()) {
    const auto b = biases_.find(n.node.input(bias_input));
    if (b == biases_.end())
      n.fail(
          fmt::format("bias '{}' is not an int32 tensor behind DequantizeLinear (a float bias is not supported "
                      "in a quantized model)",
                      n.node.input(bias_input)));
    l.bias = b->second.codes;
    l.bias_scale = b->second.scale;
    copy.mutable_input()->RemoveLast();
  }
  convert_weight(n, wd->second.init);
  plan_.layers[wd->second.init] = std::move(l);
  out_.push_back(std::move(copy));
}

QuantPlan Stripper::run() {
  onnx::GraphProto* g = m_.mutable_graph();
  for (auto& t : *g->mutable_initializer()) inits_[t.name()] = &t;
  for (const auto& i : g->input())
    if (!inits_.count(i.name())) dynamic_.insert(i.name());
  for (const auto& node : g->node()) {
    const NodeRef n{file_, node};
    if (node.op_type() == "Constant")
      for (const auto& a : node.attribute())
        if (a.name() == "value" && a.has_t() && node.output_size() == 1) constants_[node.output(0)] = &a.t();
    bool dynamic = false;
    for (const std::string& i : node.input()) dynamic = dynamic || dynamic_.count(i) > 0;
    if (dynamic)
      for (const std::string& o : node.output()) dynamic_.insert(o);
    const std::string& op = node.op_type();
    if (!node.domain().empty() && node.domain() != "ai.onnx") {
      out_.push_back(node);  // the importer names the domain
      continue;
    }
    if (op == "DequantizeLinear")
      dequantize(n);
    else if (op == "QuantizeLinear")
      quantize(n);
    else if (op == "QLinearConv" || op == "QLinearMatMul")
      qlinear(n);
    else if (dynamic && (op == "Conv" || op == "Gemm" || op == "MatMul"))
      float_layer(n);
    else if (quantization_ops().count(op))
      n.fail(fmt::format("not supported ({})", kSupported));
    else
      out_.push_back(node);  // fp32 ops and constants: the importer maps or folds them
  }
  g->clear_node();
  for (auto& node : out_) *g->add_node() = std::move(node);
  for (auto& t : markers_) *g->add_initializer() = std::move(t);
  return std::move(plan_);
}

}  // namespace

bool is_quantized_model(const onnx::ModelProto& model) {
  for (const auto& node : model.graph().node())
    if (quantization_ops().count(node.op_type())) return true;
  return false;
}

QuantPlan strip_quantization(onnx::ModelProto& model, const std::string& file, TensorSource& source) {
  return Stripper(model, file, source).run();
}

}  // namespace faultbench::onnx_import
