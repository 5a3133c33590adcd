// Quantized ONNX models (internal to src/onnx; docs/NUMERICS.md "scales from a quantized ONNX
// model"). A model with QuantizeLinear / DequantizeLinear (QDQ format) or QLinearConv /
// QLinearMatMul (operator format) is imported straight into the int8 graph that
// --numerics int8 runs, with the model's own scales and int8 weight codes:
//   1. strip_quantization rewrites the ModelProto into one the fp32 importer maps: int8
//      weight initializers become float initializers holding their codes (the importer
//      makes them parameters under their own names, so faults flip the stored codes), the
//      int32 biases and the scales are recorded here (QuantPlan), and every QuantizeLinear /
//      DequantizeLinear of a per-image value becomes a Mul by a marker constant;
//   2. the importer maps that model to the IR as any other;
//   3. build_int8_graph turns the IR graph into OpKind::Quantized nodes (the executor's int8
//      operators), consuming every marker: a DequantizeLinear whose output an fp32 op reads
//      (a residual Add, the logits) stays as an fp32 Mul by its scale (a Constant
//      parameter, never a fault site); the others go.
// Both formats give the same graph: a QDQ Conv (DequantizeLinear -> Conv -> [Relu] ->
// QuantizeLinear) runs as the QLinearConv it stands for, as ONNX Runtime runs it; other ops
// between DequantizeLinear and QuantizeLinear run in fp32, as the graph says.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "const_tensor.h"
#include "faultbench/graph.h"

namespace onnx {
class ModelProto;
}

namespace faultbench::onnx_import {

// A QuantizeLinear (dequantize false) or DequantizeLinear of a per-image value.
struct QuantMarker {
  bool dequantize = false;
  float scale = 0.0f;
  std::string node, op;  // the ONNX node, for messages
};

// A Conv / Gemm / MatMul on int8 weights (keyed by its weight initializer's name).
struct QuantLayer {
  bool qlinear = false;           // QLinearConv / QLinearMatMul (else QDQ around a float op)
  float x_scale = 0.0f;           // qlinear: the node's x_scale (QDQ: the DequantizeLinear's)
  std::vector<float> w_scale;     // one (per tensor) or one per output channel
  std::vector<int32_t> bias;      // int32 codes, per output channel (empty: none)
  std::vector<float> bias_scale;  // QDQ: the bias DequantizeLinear's scale(s)
  std::string node, op;           // the ONNX node, for messages
};

struct QuantPlan {
  std::map<std::string, QuantMarker> markers;  // marker constant name -> what it stands for
  std::map<std::string, QuantLayer> layers;    // weight initializer name -> its quantization
};

// True when the model has a quantization operator (then it is imported as int8).
bool is_quantized_model(const onnx::ModelProto& model);

// Step 1 above. FormatError "FILE: node 'N' (Op): ..." for a quantized pattern int8 does not
// cover (uint8 or non-zero zero points, per-axis activation scales, float layers, ...).
QuantPlan strip_quantization(onnx::ModelProto& model, const std::string& file, TensorSource& source);

// Step 3 above: the imported graph of the stripped model -> the int8 graph (numerics Int8).
Graph build_int8_graph(const Graph& imported, const QuantPlan& plan, const std::string& file);

}  // namespace faultbench::onnx_import
