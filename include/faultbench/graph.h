// The network as a graph of named layers.
//
// A Graph is a list of nodes in forward-execution (topological) order. Each node reads
// one or more values and writes exactly one new value; values are per-image CHW maps
// (the batch dimension N is added by the executor). Parameters are kept in exactly the
// order and with exactly the names of PyTorch's state_dict(), because checkpoints are
// matched by those names and fault lists address weights by (layer name, index).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "faultbench/tensor.h"
#include "faultbench/window2d.h"  // Window2d: the window of conv and pooling layers

namespace faultbench {

enum class OpKind {
  Input,        // the image batch; no inputs
  Conv2d,       // params: weight [Cout, Cin/groups, kernel_h, kernel_w], optional bias [Cout]
  BatchNorm2d,  // params: weight, bias, running_mean, running_var [C] (+ num_batches_tracked)
  ReLU,
  MaxPool2d,      // padding acts as -inf
  AvgPool2d,      // divisor: the window's cells, padding included or not (count_include_pad)
  GlobalAvgPool,  // adaptive average pool to 1x1: mean over H*W
  GlobalMaxPool,  // max over H*W -> [C,1,1] (NaN wins, as in max_pool2d)
  Linear,         // params: weight [out, in], bias [out]; input [C,1,1] or [C] flattened
  Add,            // elementwise sum of two values of equal shape
  Concat,         // channel concatenation of 2+ values, in input order
  ShortcutA,      // ResNet option A: x[:, :, ::2, ::2], then zero channels front and back
  Flatten,        // [C,H,W] -> [C*H*W,1,1]; a no-op on the data
};

const char* op_kind_name(OpKind kind);

struct Conv2dAttrs {
  int in_channels = 0, out_channels = 0, groups = 1;
  bool bias = false;
  Window2d window;  // zero padding
};
struct BatchNormAttrs {
  int channels = 0;
  double eps = 1e-5;  // stored as PyTorch stores it (a double); used as float(eps)
};
struct PoolAttrs {
  Window2d window;  // average pooling takes no dilation
  bool ceil_mode = false;
  // Average pooling: divide by the window's cells inside the input plus those in the
  // explicit padding (true, PyTorch's default) or by those inside the input only.
  bool count_include_pad = true;
};
struct LinearAttrs {
  int in_features = 0, out_features = 0;
};
struct ShortcutAAttrs {
  int pad_front = 0, pad_back = 0;  // zero channels before / after the real ones
};
using NodeAttrs = std::variant<std::monostate, Conv2dAttrs, BatchNormAttrs, PoolAttrs, LinearAttrs, ShortcutAAttrs>;

struct Node {
  OpKind kind = OpKind::Input;
  std::string name;         // PyTorch module name ("layer1.0.conv1"); "" for parameter-free ops
  std::vector<int> inputs;  // value ids, each produced by an earlier node
  int output = -1;          // value id written by this node
  NodeAttrs attrs;
  std::vector<int> params;  // indices into Graph::params, in state_dict order
};

enum class ParamRole { Weight, Bias, RunningMean, RunningVar, NumBatchesTracked };

struct Param {
  std::string name;  // full state_dict key, e.g. "layer1.0.bn1.running_mean"
  Shape shape;       // PyTorch shape; [] for num_batches_tracked
  ParamRole role = ParamRole::Weight;
  int node = -1;  // owning node
  Tensor value;   // fp32 data; empty for num_batches_tracked (an unused int64 counter)

  // True for the parameters of named_parameters() (weights and biases), false for buffers.
  bool is_parameter() const { return role == ParamRole::Weight || role == ParamRole::Bias; }
  // Fault sites: conv and linear weights, i.e. parameters with 2+ dimensions.
  bool is_fault_site() const { return role == ParamRole::Weight && shape.size() >= 2; }
};

struct Graph {
  std::string model;    // zoo name, e.g. "resnet20"
  std::string dataset;  // "cifar10", "cifar100", "gtsrb"
  int classes = 0;
  ValueShape input_shape;
  std::vector<ValueShape> values;
  std::vector<Node> nodes;    // forward order; nodes[0] is the Input node
  std::vector<Param> params;  // state_dict order
  int input_value = -1;
  int output_value = -1;

  // Index of the parameter with this state_dict key, or nullopt.
  std::optional<int> find_param(const std::string& key) const;
  // Index of the node with this module name, or nullopt.
  std::optional<int> find_node(const std::string& name) const;
  // Indices of fault-site parameters (conv+linear weights) in named_parameters() order.
  std::vector<int> fault_site_params() const;
  // Multiply-accumulates of conv and linear layers for one image (MODELS.md §1).
  int64_t macs_per_image() const;
  // Multiply-accumulates of one node for one image (0 for nodes other than conv and linear).
  int64_t node_macs(int node) const;
  // Sum of numel over named_parameters() (weights and biases, no buffers).
  int64_t parameter_count() const;
  // Sum of numel over conv and linear weights (W).
  int64_t fault_site_weight_count() const;
};

// Builds graphs while registering parameters in call order. The zoo writes each
// architecture with it; calls must follow PyTorch's module registration order so that
// Graph::params ends up in state_dict order (the zoo tests check against models.json).
class GraphBuilder {
 public:
  GraphBuilder(std::string model, std::string dataset, ValueShape input, int classes);

  int input() const { return input_value_; }
  const ValueShape& shape(int value) const { return graph_.values.at(size_t(value)); }

  int conv2d(const std::string& name, int x, Conv2dAttrs attrs);
  int batch_norm(const std::string& name, int x, double eps = 1e-5);
  int relu(int x);
  int max_pool(int x, PoolAttrs attrs);
  int avg_pool(int x, PoolAttrs attrs);
  int global_avg_pool(int x);
  int global_max_pool(int x);
  int linear(const std::string& name, int x, int out_features);
  int add(int a, int b);
  int concat(const std::vector<int>& xs);
  int shortcut_a(int x, int planes);  // pads (planes - C)/2 zero channels on each side
  int flatten(int x);

  // Finishes the graph with `logits` as its output value ([classes,1,1]).
  Graph finish(int logits);

 private:
  int add_node(OpKind kind, std::string name, std::vector<int> inputs, ValueShape out, NodeAttrs attrs);
  void add_param(const std::string& key, Shape shape, ParamRole role);
  std::vector<int> params_of_last_node() const;

  Graph graph_;
  int input_value_ = -1;
};

}  // namespace faultbench
