// The importer on small hand-written models (robustness/onnx_files.h): parameters in graph
// order under their file names, and the folded-BatchNorm warning (which must not fire on a
// Conv whose bias is a module's own).
#include <gtest/gtest.h>

#include "faultbench/error.h"
#include "faultbench/executor.h"
#include "faultbench/faults/fault.h"
#include "faultbench/onnx/import.h"
#include "robustness/onnx_files.h"

namespace faultbench {
namespace {

namespace of = robustness::onnx_files;

Graph import_model(const onnx::ModelProto& m) { return import_onnx_bytes(of::bytes_of(m), "m.onnx"); }

TEST(OnnxImport, ParametersInGraphOrderUnderTheirNames) {
  const Graph g = import_model(of::tiny_model());
  ASSERT_EQ(g.params.size(), 3u);
  EXPECT_EQ(g.params[0].name, "conv1.weight");
  EXPECT_EQ(g.params[1].name, "fc.weight");
  EXPECT_EQ(g.params[2].name, "fc.bias");
  EXPECT_EQ(g.nodes[1].name, "conv1");
  EXPECT_EQ(g.classes, 10);
  EXPECT_EQ(g.input_shape, (ValueShape{3, 8, 8}));
}

// A Conv with a bias and no BatchNorm after it: a folded one when the exporter computed
// its weight (onnx::Conv_<n>), a module's own conv when the weight has the module's name.
onnx::ModelProto conv_with_bias(const std::string& weight) {
  onnx::ModelProto m = of::tiny_model();
  auto* init = m.mutable_graph()->mutable_initializer(0);
  init->set_name(weight);
  *m.mutable_graph()->add_initializer() = of::float_tensor("conv1.bias", {4});
  auto* conv = of::node_named(m, "/conv1/Conv");
  conv->set_input(1, weight);
  conv->add_input("conv1.bias");
  return m;
}

TEST(OnnxImport, WarnsAboutConvLayersWithFoldedBatchNorm) {
  const std::vector<std::string> folded = onnx_graph_warnings(import_model(conv_with_bias("onnx::Conv_7")));
  ASSERT_EQ(folded.size(), 1u);
  EXPECT_NE(folded[0].find("do_constant_folding=False"), std::string::npos) << folded[0];
  EXPECT_TRUE(onnx_graph_warnings(import_model(conv_with_bias("conv1.weight"))).empty());
  EXPECT_TRUE(onnx_graph_warnings(import_model(of::tiny_model())).empty());
}

TEST(OnnxImport, BytesWithExternalDataAreRefused) {
  onnx::ModelProto m = of::tiny_model();
  of::externalize_conv_weight(m, "w.bin");
  try {
    import_model(m);
    FAIL() << "imported";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("external data 'w.bin' cannot be read here"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace faultbench

namespace faultbench {
namespace {

namespace of = robustness::onnx_files;

onnx::TensorProto scalar(const std::string& name, float v) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  t.add_float_data(v);
  return t;
}

onnx::TensorProto ints(const std::string& name, const std::vector<int64_t>& v) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::INT64);
  t.add_dims(int64_t(v.size()));
  for (int64_t x : v) t.add_int64_data(x);
  return t;
}

const std::vector<std::string> kTinyTail = {"/Relu", "/pool/GlobalAveragePool", "/Flatten", "/fc/Gemm"};

// tiny_model with, between the Conv and its Relu: Mul by 0.5, Clip to [0, 6], Mul by 0.5,
// Clip to [0, 6], Pad of h and w by 1 with 0: the scalars as one initializer each, read by
// every node that needs it (`shared`), or one initializer per use, as PyTorch writes them.
onnx::ModelProto scalar_chain(bool shared) {
  onnx::ModelProto m = of::tiny_model();
  auto* g = m.mutable_graph();
  auto name = [&](const std::string& base, int use) { return shared ? base : base + "_" + std::to_string(use); };
  for (int use = 0; use < (shared ? 1 : 2); ++use) {
    *g->add_initializer() = scalar(name("half", use), 0.5f);
    *g->add_initializer() = scalar(name("zero", use), 0.0f);
    *g->add_initializer() = scalar(name("six", use), 6.0f);
  }
  if (!shared) *g->add_initializer() = scalar("zero_2", 0.0f);
  *g->add_initializer() = ints("pads", {0, 0, 1, 1, 0, 0, 1, 1});
  of::node_named(m, "/Relu")->set_input(0, "padded");
  of::add_node(g, "Mul", "/Mul", {"c", name("half", 0)}, {"m1"});
  of::add_node(g, "Clip", "/Clip", {"m1", name("zero", 0), name("six", 0)}, {"c1"});
  of::add_node(g, "Mul", "/Mul_1", {"c1", name("half", 1)}, {"m2"});
  of::add_node(g, "Clip", "/Clip_1", {"m2", name("zero", 1), name("six", 1)}, {"c2"});
  of::add_node(g, "Pad", "/Pad", {"c2", "pads", name("zero", 2)}, {"padded"});
  std::vector<std::string> order = {"/conv1/Conv", "/Mul", "/Clip", "/Mul_1", "/Clip_1", "/Pad"};
  order.insert(order.end(), kTinyTail.begin(), kTinyTail.end());
  of::order_nodes(m, order);
  return m;
}

TEST(OnnxImport, AScalarInitializerReadByManyNodesIsOneConstant) {
  const Graph shared = import_model(scalar_chain(true));
  const Graph apart = import_model(scalar_chain(false));
  // The shared 0.5 is one parameter of both Mul nodes; apart, each Mul has its own.
  std::vector<int> users;
  int half = -1;
  for (size_t i = 0; i < shared.params.size(); ++i)
    if (shared.params[i].name == "half") half = int(i);
  ASSERT_GE(half, 0);
  EXPECT_EQ(shared.params[size_t(half)].role, ParamRole::Constant);
  EXPECT_FALSE(shared.params[size_t(half)].is_fault_site());
  for (size_t k = 0; k < shared.nodes.size(); ++k)
    for (int p : shared.nodes[k].params)
      if (p == half) users.push_back(int(k));
  EXPECT_EQ(users.size(), 2u);
  EXPECT_EQ(apart.params.size(), shared.params.size() + 1);
  EXPECT_EQ(fault_sites(shared).size(), fault_sites(apart).size());

  Tensor images({2, 3, 8, 8});
  for (size_t i = 0; i < images.data.size(); ++i) images.data[i] = float(int(i * 37 % 101) - 50) * 0.07f;
  Executor a(shared), b(apart);
  EXPECT_TRUE(bitwise_equal(a.forward(images), b.forward(images)));
}

std::string import_error(const onnx::ModelProto& m) {
  try {
    import_model(m);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "imported";
}

// A second Conv reading conv1.weight, on the input as well, added to the first's output.
TEST(OnnxImport, AWeightReadByTwoLayersIsRefused) {
  const onnx::ModelProto m = of::shared_weight_model();
  EXPECT_EQ(import_error(m),
            "m.onnx: node '/conv2/Conv' (Conv): parameter 'conv1.weight' is read by 2 nodes ('/conv1/Conv' (Conv), "
            "'/conv2/Conv' (Conv)): a layer's parameters must be its own (a fault site is one tensor of one layer); "
            "give each layer its own initializer");
}

// PyTorch's exporter writes equal initializers once and Identity copies for the others (a
// freshly made BatchNorm's weight and running_var are both ones): each copy is a tensor of its
// own, under its own name, so two Conv weights made so are two fault sites.
TEST(OnnxImport, IdentityCopiesOfOneInitializerAreParametersOfTheirOwn) {
  onnx::ModelProto m = of::shared_weight_model();
  of::add_node(m.mutable_graph(), "Identity", "Identity_0", {"conv1.weight"}, {"conv2.weight"});
  of::node_named(m, "/conv2/Conv")->set_input(1, "conv2.weight");
  of::order_nodes(m, {"Identity_0", "/conv1/Conv", "/conv2/Conv", "/Add", "/Relu", "/pool/GlobalAveragePool",
                      "/Flatten", "/fc/Gemm"});
  const Graph g = import_model(m);
  const std::vector<WeightSite> sites = fault_sites(g);
  ASSERT_EQ(sites.size(), 3u);
  EXPECT_EQ(sites[0].layer, "conv1");
  EXPECT_EQ(sites[1].layer, "conv2");
  EXPECT_TRUE(bitwise_equal(g.params[0].value, g.params[1].value));
}

// fc.bias is the Gemm's bias and also added again after it: a fault in it would reach one of
// the two uses only.
TEST(OnnxImport, AParameterAlsoReadAsAConstantIsRefused) {
  onnx::ModelProto m = of::tiny_model();
  of::node_named(m, "/fc/Gemm")->set_output(0, "g");
  of::add_node(m.mutable_graph(), "Add", "/Add", {"g", "fc.bias"}, {"logits"});
  EXPECT_EQ(import_error(m),
            "m.onnx: node '/Add' (Add): parameter 'fc.bias' is read by 2 nodes ('/fc/Gemm' (Gemm), "
            "'/Add' (Add)): a layer's parameters must be its own (a fault site is one tensor of one layer); "
            "give each layer its own initializer");
}

TEST(OnnxImport, AGraphWithTwoInputsIsRefusedNamingThem) {
  onnx::ModelProto m = of::tiny_model();
  auto* g = m.mutable_graph();
  of::set_value_info(g->add_input(), "y", {1, 3, 8, 8});
  of::set_value_info(g->add_input(), "z", {1, 3, 8, 8});
  of::add_node(g, "Add", "/Add", {"x", "y"}, {"xy"});
  of::add_node(g, "Add", "/Add_1", {"xy", "z"}, {"xyz"});
  of::node_named(m, "/conv1/Conv")->set_input(0, "xyz");
  std::vector<std::string> order = {"/Add", "/Add_1", "/conv1/Conv"};
  order.insert(order.end(), kTinyTail.begin(), kTinyTail.end());
  of::order_nodes(m, order);
  EXPECT_EQ(import_error(m),
            "m.onnx: a graph with 3 inputs ('x', 'y', 'z') is not supported (one input, the images; "
            "every other input must be an initializer)");
}

}  // namespace
}  // namespace faultbench
