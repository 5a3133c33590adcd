// The importer on small hand-written models (robustness/onnx_files.h): parameters in graph
// order under their file names, and the folded-BatchNorm warning (which must not fire on a
// Conv whose bias is a module's own).
#include <gtest/gtest.h>

#include "faultbench/error.h"
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
