// The importer's state while it walks the ONNX graph (internal to src/onnx): every ONNX value
// name is bound to a constant or to a dynamic IR value; nodes on constants are folded
// (fold.h), the others mapped to IR nodes (map_ops.cpp).
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "const_tensor.h"
#include "faultbench/graph.h"
#include "faultbench/onnx/import.h"
#include "node_util.h"
#include "shape_rules.h"

namespace onnx {
class ModelProto;
class NodeProto;
}  // namespace onnx

namespace faultbench::onnx_import {

// A dynamic (per-image) value: an IR value, its ONNX rank (the batch dim included), and a
// Slice not yet materialized: Slice, then a channel Pad, is ResNet's option-A shortcut,
// which the IR has as one op.
struct Dynamic {
  int value = -1;
  int rank = 4;
  std::optional<SliceSpec> slice;  // over the ONNX dims of `value`
};

struct Binding {
  std::optional<ConstTensor> constant;
  Dynamic dynamic;
  bool is_constant() const { return constant.has_value(); }
};

class Importer {
 public:
  Importer(const onnx::ModelProto& model, std::string file, TensorSource source, const OnnxImportOptions& options,
           std::string model_name);
  Graph run();

 private:
  // import.cpp
  void bind_initializers();
  void add_input();
  std::vector<int> node_order() const;
  void import_node(const onnx::NodeProto& node);
  // map_ops.cpp
  void map_node(const NodeRef& n, const std::vector<const Binding*>& in);
  int add_node(const NodeRef& n, OpKind kind, std::string name, std::vector<int> inputs, ValueShape out,
               NodeAttrs attrs);
  int add_param(const NodeRef& n, size_t input, const Binding* b, ParamRole role, const Shape& expected);
  int materialize(const NodeRef& n, const Binding& b);
  void bind_dynamic(const NodeRef& n, int value, int rank, size_t output = 0);
  bool map_shortcut(const NodeRef& n, const std::vector<const Binding*>& in);
  // map_layers.cpp: the ops with parameters or windows
  void map_conv(const NodeRef& n, const std::vector<const Binding*>& in);
  void map_batch_norm(const NodeRef& n, const std::vector<const Binding*>& in);
  void map_pool(const NodeRef& n, const std::vector<const Binding*>& in);
  void map_gemm(const NodeRef& n, const std::vector<const Binding*>& in);
  // map_onnx_ops.cpp: the IR's operators for imported graphs
  void map_unary(const NodeRef& n, const std::vector<const Binding*>& in);
  void map_binary(const NodeRef& n, const std::vector<const Binding*>& in);
  void map_pad(const NodeRef& n, const std::vector<const Binding*>& in);
  void map_resize(const NodeRef& n, const std::vector<const Binding*>& in);
  void map_transpose(const NodeRef& n, const std::vector<const Binding*>& in);
  void map_softmax(const NodeRef& n, const std::vector<const Binding*>& in);
  void map_matmul(const NodeRef& n, const std::vector<const Binding*>& in);

  const onnx::ModelProto& model_;
  std::string file_;
  TensorSource source_;
  OnnxImportOptions options_;
  int opset_ = 0;
  int64_t batch_ = 1;  // the input's batch dimension as declared (1 when symbolic)
  Graph graph_;
  std::map<std::string, Binding> values_;
  std::map<std::string, int> param_users_;  // constant name -> the param made of it
  // Constant name -> the nodes mapped to the IR that read it ("'/conv1/Conv' (Conv)"): a
  // layer's parameter must be read by that layer alone (a fault site is one tensor of one
  // layer), while a constant operand (Mul by a shared 0.5) may be read by any number. Nodes
  // folded into new constants (PyTorch's Identity copies of equal initializers) do not count:
  // their results are other tensors, under other names.
  std::map<std::string, std::vector<std::string>> consumers_;
  void check_parameter_readers(const NodeRef& n, const std::string& name, bool becoming_parameter) const;
};

// ONNX dims of a dynamic value ([1,C,H,W], [1,C,H], [1,C]) and back.
// `batch`: the input's batch dimension (1 when symbolic), the same for every value.
Shape onnx_dims(const ValueShape& s, int rank, int64_t batch);
ValueShape value_shape(const NodeRef& n, const Shape& dims, int64_t batch);

// The op types the importer maps to the IR (besides the folded ones), for messages.
const std::vector<std::string>& mapped_ops();

}  // namespace faultbench::onnx_import
