// Small ONNX models written with ONNX's own protobuf classes, and hostile variants of them,
// for the robustness cases (cli_cases.h) and the importer's tests.
#pragma once
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace faultbench::robustness::onnx_files {

inline onnx::TensorProto float_tensor(const std::string& name, const std::vector<int64_t>& dims) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  int64_t n = 1;
  for (int64_t d : dims) {
    t.add_dims(d);
    n *= d;
  }
  for (int64_t i = 0; i < n; ++i) t.add_float_data(0.01f * float(i % 7) - 0.02f);
  return t;
}

inline onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op, const std::string& name,
                                 const std::vector<std::string>& in, const std::vector<std::string>& out) {
  onnx::NodeProto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const auto& i : in) n->add_input(i);
  for (const auto& o : out) n->add_output(o);
  return n;
}

inline void add_ints(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

inline void add_int(onnx::NodeProto* n, const std::string& name, int64_t v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

inline void set_value_info(onnx::ValueInfoProto* v, const std::string& name, const std::vector<int64_t>& dims) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->mutable_shape()->add_dim()->set_dim_value(d);
}

// x [1,3,8,8] -> Conv conv1 (4x3x3x3, pads 1) -> Relu -> GlobalAveragePool -> Flatten ->
// Gemm fc (10x4, transB) -> logits [1,10].
inline onnx::ModelProto tiny_model(int side = 8) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("faultbench-tests");
  m.add_opset_import()->set_version(13);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("tiny");
  set_value_info(g->add_input(), "x", {1, 3, side, side});
  set_value_info(g->add_output(), "logits", {1, 10});
  *g->add_initializer() = float_tensor("conv1.weight", {4, 3, 3, 3});
  *g->add_initializer() = float_tensor("fc.weight", {10, 4});
  *g->add_initializer() = float_tensor("fc.bias", {10});
  onnx::NodeProto* conv = add_node(g, "Conv", "/conv1/Conv", {"x", "conv1.weight"}, {"c"});
  add_ints(conv, "kernel_shape", {3, 3});
  add_ints(conv, "pads", {1, 1, 1, 1});
  add_node(g, "Relu", "/Relu", {"c"}, {"r"});
  add_node(g, "GlobalAveragePool", "/pool/GlobalAveragePool", {"r"}, {"p"});
  add_node(g, "Flatten", "/Flatten", {"p"}, {"f"});
  onnx::NodeProto* fc = add_node(g, "Gemm", "/fc/Gemm", {"f", "fc.weight", "fc.bias"}, {"logits"});
  add_int(fc, "transB", 1);
  return m;
}

inline std::string bytes_of(const onnx::ModelProto& m) {
  std::string s;
  m.SerializeToString(&s);
  return s;
}

inline void write_model(const std::filesystem::path& path, const onnx::ModelProto& m) {
  std::ofstream(path, std::ios::binary) << bytes_of(m);
}

// The node of `m` named `name`.
inline onnx::NodeProto* node_named(onnx::ModelProto& m, const std::string& name) {
  for (auto& n : *m.mutable_graph()->mutable_node())
    if (n.name() == name) return &n;
  return nullptr;
}

// conv1.weight's values moved to external data at `location` (relative to the model).
inline void externalize_conv_weight(onnx::ModelProto& m, const std::string& location) {
  onnx::TensorProto* t = m.mutable_graph()->mutable_initializer(0);
  t->clear_float_data();
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* e = t->add_external_data();
  e->set_key("location");
  e->set_value(location);
}

// The nodes of `m` in the order of `names` (ONNX files list them in topological order).
inline void order_nodes(onnx::ModelProto& m, const std::vector<std::string>& names) {
  std::vector<onnx::NodeProto> ordered;
  for (const std::string& n : names) ordered.push_back(*node_named(m, n));
  auto* nodes = m.mutable_graph()->mutable_node();
  nodes->Clear();
  for (const auto& n : ordered) *nodes->Add() = n;
}

// tiny_model with a second graph input 'y' added to 'x' before the Conv.
inline onnx::ModelProto two_input_model() {
  onnx::ModelProto m = tiny_model();
  auto* g = m.mutable_graph();
  set_value_info(g->add_input(), "y", {1, 3, 8, 8});
  add_node(g, "Add", "/Add", {"x", "y"}, {"xy"});
  node_named(m, "/conv1/Conv")->set_input(0, "xy");
  order_nodes(m, {"/Add", "/conv1/Conv", "/Relu", "/pool/GlobalAveragePool", "/Flatten", "/fc/Gemm"});
  return m;
}

// tiny_model with a second Conv on 'x' reading conv1.weight too, added to the first's output.
inline onnx::ModelProto shared_weight_model() {
  onnx::ModelProto m = tiny_model();
  auto* g = m.mutable_graph();
  onnx::NodeProto* conv = add_node(g, "Conv", "/conv2/Conv", {"x", "conv1.weight"}, {"c2"});
  add_ints(conv, "kernel_shape", {3, 3});
  add_ints(conv, "pads", {1, 1, 1, 1});
  add_node(g, "Add", "/Add", {"c", "c2"}, {"s"});
  node_named(m, "/Relu")->set_input(0, "s");
  order_nodes(m, {"/conv1/Conv", "/conv2/Conv", "/Add", "/Relu", "/pool/GlobalAveragePool", "/Flatten", "/fc/Gemm"});
  return m;
}

// A quantized model in the QDQ format (symmetric int8, zero points 0): x [1,3,8,8] ->
// QuantizeLinear -> DequantizeLinear -> Conv conv1 (int8 4x3x3x3 behind DequantizeLinear,
// pads 1) -> QuantizeLinear -> DequantizeLinear -> Flatten -> MatMul fc (int8 [256, 10]) ->
// QuantizeLinear -> DequantizeLinear -> logits [1,10]. Scalars: '<tag>.s' (float), 'zp' (int8 0).
inline onnx::TensorProto scalar_tensor(const std::string& name, int type, float f, int32_t i) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(type);
  if (type == onnx::TensorProto::FLOAT)
    t.add_float_data(f);
  else
    t.add_int32_data(i);
  return t;
}
inline onnx::TensorProto int8_tensor(const std::string& name, const std::vector<int64_t>& dims) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::INT8);
  int64_t n = 1;
  for (int64_t d : dims) {
    t.add_dims(d);
    n *= d;
  }
  for (int64_t i = 0; i < n; ++i) t.add_int32_data(int32_t(i % 11) - 5);
  return t;
}
inline onnx::ModelProto qdq_model() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("faultbench-tests");
  m.add_opset_import()->set_version(13);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("qdq");
  set_value_info(g->add_input(), "x", {1, 3, 8, 8});
  set_value_info(g->add_output(), "logits", {1, 10});
  *g->add_initializer() = scalar_tensor("zp", onnx::TensorProto::INT8, 0, 0);
  for (const char* s : {"x.s", "c.s", "fc.s", "conv1.ws", "fc.ws"})
    *g->add_initializer() = scalar_tensor(s, onnx::TensorProto::FLOAT, 0.05f, 0);
  *g->add_initializer() = int8_tensor("conv1.weight", {4, 3, 3, 3});
  *g->add_initializer() = int8_tensor("fc.weight", {256, 10});
  add_node(g, "QuantizeLinear", "/x/Q", {"x", "x.s", "zp"}, {"xq"});
  add_node(g, "DequantizeLinear", "/x/DQ", {"xq", "x.s", "zp"}, {"xd"});
  add_node(g, "DequantizeLinear", "/conv1/w/DQ", {"conv1.weight", "conv1.ws", "zp"}, {"w1"});
  onnx::NodeProto* conv = add_node(g, "Conv", "/conv1/Conv", {"xd", "w1"}, {"c"});
  add_ints(conv, "kernel_shape", {3, 3});
  add_ints(conv, "pads", {1, 1, 1, 1});
  add_node(g, "QuantizeLinear", "/c/Q", {"c", "c.s", "zp"}, {"cq"});
  add_node(g, "DequantizeLinear", "/c/DQ", {"cq", "c.s", "zp"}, {"cd"});
  add_node(g, "Flatten", "/Flatten", {"cd"}, {"f"});
  add_node(g, "DequantizeLinear", "/fc/w/DQ", {"fc.weight", "fc.ws", "zp"}, {"w2"});
  add_node(g, "MatMul", "/fc/MatMul", {"f", "w2"}, {"y"});
  add_node(g, "QuantizeLinear", "/y/Q", {"y", "fc.s", "zp"}, {"yq"});
  add_node(g, "DequantizeLinear", "/y/DQ", {"yq", "fc.s", "zp"}, {"logits"});
  return m;
}

// The initializer of `m` named `name`.
inline onnx::TensorProto* initializer_named(onnx::ModelProto& m, const std::string& name) {
  for (auto& t : *m.mutable_graph()->mutable_initializer())
    if (t.name() == name) return &t;
  return nullptr;
}

}  // namespace faultbench::robustness::onnx_files
