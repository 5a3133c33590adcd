// Quantized ONNX models imported as int8 graphs (src/onnx/quantized*.cpp; docs/NUMERICS.md
// "Scales from a quantized ONNX model"). The bitwise checks against NumPy's ONNX formulas are
// the ctest onnx.quantized (tools/check_qonnx_models.py); these need no Python.
#include <onnx/onnx_pb.h>

#include <gtest/gtest.h>

#include <bit>
#include <variant>

#include "faultbench/campaign/int8_setup.h"
#include "faultbench/executor.h"
#include "faultbench/faults/fault.h"
#include "faultbench/onnx/import.h"
#include "robustness/onnx_files.h"

namespace faultbench {
namespace {

namespace of = robustness::onnx_files;

Graph import_model(const onnx::ModelProto& m) { return import_onnx_bytes(of::bytes_of(m), "m.onnx"); }

Tensor test_images() {
  Tensor images({2, 3, 8, 8});
  for (size_t i = 0; i < images.data.size(); ++i) images.data[i] = float(int(i * 37 % 101) - 50) * 0.004f;
  return images;
}

TEST(OnnxQuantized, QdqModelIsTheInt8GraphOfItsScalesAndCodes) {
  const Graph g = import_model(of::qdq_model());
  EXPECT_EQ(g.numerics, Numerics::Int8);
  // The weight initializers are the fault sites, under their names and stored shapes; the
  // QuantizeLinear markers are gone, the output's DequantizeLinear is one constant.
  ASSERT_EQ(g.params.size(), 3u);
  EXPECT_EQ(g.params[0].name, "conv1.weight");
  EXPECT_EQ(g.params[0].shape, (Shape{4, 3, 3, 3}));
  EXPECT_EQ(g.params[1].name, "fc.weight");
  EXPECT_EQ(g.params[1].shape, (Shape{256, 10}));
  EXPECT_EQ(g.params[2].role, ParamRole::Constant);
  EXPECT_EQ(fault_sites(g).size(), 2u);
  EXPECT_EQ(g.params[1].value.data[13], float(13 % 11 - 5));  // the stored int8 code
  int convs = 0;
  for (const Node& n : g.nodes) {
    if (n.kind != OpKind::Quantized) continue;
    const auto& a = std::get<QuantizedAttrs>(n.attrs);
    if (a.op != QuantOp::Conv) continue;
    ++convs;
    EXPECT_EQ(a.out_scale, 0.05f);
    EXPECT_EQ(a.multiplier.at(0), (0.05f * 0.05f) / 0.05f);  // fp32(fp32(x_scale * w_scale) / y_scale)
  }
  EXPECT_EQ(convs, 2);
}

// A MatMul weight is stored [K, N]: a fault at element (k, n) patches what a model with that
// code stored there computes.
TEST(OnnxQuantized, AFaultInAKnWeightIsTheStoredElement) {
  const onnx::ModelProto m = of::qdq_model();
  Graph g = import_model(m);
  onnx::ModelProto changed = m;
  const int64_t k = 37, n = 3, offset = k * 10 + n;
  of::initializer_named(changed, "fc.weight")->set_int32_data(int(offset), -128);
  const Graph want = import_model(changed);
  Executor e(g);
  const Tensor before = e.forward(test_images());
  g.params[1].value.data[size_t(offset)] = -128.0f;
  e.param_element_changed(1, offset);
  const Tensor after = e.forward(test_images());
  Executor fresh(want);
  EXPECT_TRUE(bitwise_equal(after, fresh.forward(test_images())));
  EXPECT_FALSE(bitwise_equal(after, before));  // the fault reached the logits
}

// A quantized model's int32 bias is a fault site "<layer>.bias" (bits 0..31), as a calibrated
// model's: a parameter whose fp32 words are the int32 codes' bits.
TEST(OnnxQuantized, TheInt32BiasIsAFaultSite) {
  onnx::ModelProto m = of::qdq_model();
  onnx::GraphProto* g = m.mutable_graph();
  onnx::TensorProto* b = g->add_initializer();
  b->set_name("conv1.bias_quantized");
  b->set_data_type(onnx::TensorProto::INT32);
  b->add_dims(4);
  for (int c = 0; c < 4; ++c) b->add_int32_data(c * 7 - 10);
  *g->add_initializer() = of::scalar_tensor("conv1.bs", onnx::TensorProto::FLOAT, 0.05f * 0.05f, 0);
  of::add_node(g, "DequantizeLinear", "/conv1/b/DQ", {"conv1.bias_quantized", "conv1.bs"}, {"b1"});
  int conv = 0;  // the bias's DequantizeLinear goes before the Conv (topological order)
  while (g->node(conv).name() != "/conv1/Conv") ++conv;
  for (int i = g->node_size() - 1; i > conv; --i) g->mutable_node()->SwapElements(i, i - 1);
  g->mutable_node(conv + 1)->add_input("b1");

  Graph q = import_model(m);
  const std::vector<WeightSite> biases = int32_bias_sites(q);
  ASSERT_EQ(biases.size(), 1u);
  EXPECT_EQ(biases[0], (WeightSite{"conv1.bias", {4}, 32}));
  EXPECT_EQ(int8_bias_sites(q), biases);
  const int p = *q.find_param("conv1.bias");
  EXPECT_TRUE(is_int32_bias_site(q, p));
  EXPECT_EQ(std::bit_cast<int32_t>(q.params[size_t(p)].value.data[2]), 4);
  Executor e(q);
  const Tensor before = e.forward(test_images());
  float& word = q.params[size_t(p)].value.data[1];
  word = apply_param_fault(q, p, word, 30, FaultModel::BitFlip);  // -3 + 2^30: saturates channel 1
  e.param_element_changed(p, 1);
  EXPECT_FALSE(bitwise_equal(e.forward(test_images()), before));
}

}  // namespace
}  // namespace faultbench
