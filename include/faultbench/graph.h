// The network as a graph of named layers.
//
// A Graph is a list of nodes in forward-execution (topological) order. Each node reads
// one or more values and writes exactly one new value; values are per-image CHW maps
// (the batch dimension N is added by the executor). Parameters are kept in exactly the
// order and with exactly the names of PyTorch's state_dict(), because checkpoints are
// matched by those names and fault lists address weights by (layer name, index).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "faultbench/graph/numerics.h"
#include "faultbench/ops/binary.h"
#include "faultbench/ops/unary.h"
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
  Round,          // rounds every value to a number format (RoundAttrs); inserted by apply_numerics
  // Operators of imported (ONNX) graphs; the kernels are in src/ops/{unary,binary,movement,softmax}.cpp.
  Unary,      // y = f(x) per element (UnaryAttrs)
  Binary,     // y = a OP b, numpy broadcasting per (c,h,w) axis (BinaryAttrs); b may be a Constant param
  Pad,        // constant padding of c, h, w (PadAttrs)
  Slice,      // strided slice per axis (SliceAttrs)
  Resize,     // nearest-neighbour integer upscale of h, w (ResizeAttrs)
  Transpose,  // permutation of the (c,h,w) axes (TransposeAttrs)
  Softmax,    // over c of a [C,1,1] value
  Reshape,    // a new ValueShape of equal numel; a no-op on the data (contiguous CHW)
  Quantized,  // an int8 operator (QuantizedAttrs); inserted by quantize_int8 (graph/quantize.h)
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
  // ONNX Gemm / MatMul: the weight is stored [in, out] (Gemm transB = 0, MatMul), fault
  // offsets index that layout; y = alpha * (x . W) + beta * bias (two products and an add;
  // alpha = beta = 1 compute exactly acc + bias as PyTorch's layer); no bias for MatMul.
  bool weight_transposed = false;
  float alpha = 1.0f, beta = 1.0f;
  bool bias = true;
};
struct ShortcutAAttrs {
  int pad_front = 0, pad_back = 0;  // zero channels before / after the real ones
};
struct RoundAttrs {
  RoundFormat format = RoundFormat::None;
};
// --numerics int8 (docs/NUMERICS.md "int8"; built by quantize_int8, run by the kernels of
// ops/qconv.h and graph/quantized_ops): values hold int8 codes as fp32 integers, except
// the image (fp32, read by Quantize) and the logits (fp32, written by a dequantizing Conv).
enum class QuantOp : uint8_t {
  Quantize,  // fp32 -> codes: saturate(round_half_even(fp32(x / out_scale)))
  Conv,      // int8 conv or linear (a 1x1 conv over [in, 1, 1]), BN folded, int32 bias, requantized;
             // params: {weight codes, int32 bias (optional; its fp32 words are the int32s' bits)}
  Add,       // two code tensors of their own scales -> out_scale
  AvgPool,   // average pooling (global: the whole map) -> out_scale
  Concat,    // channel concatenation, each input's codes requantized to out_scale
  Affine,    // a batch norm not after a conv (DenseNet's pre-activation): per channel q * m[c] + b[c]
};
struct QuantizedAttrs {
  QuantOp op = QuantOp::Quantize;
  Conv2dAttrs conv;     // Conv: the geometry
  bool linear = false;  // Conv: a linear layer (weight [out, in])
  PoolAttrs pool;       // AvgPool: the window (global: the whole input map)
  bool global = false;
  std::vector<float> in_scale;  // the scale of each input value
  float out_scale = 0.0f;       // the output's scale; 0: dequantized fp32 output (the logits)
  std::vector<float> w_scale;   // Conv: per output channel
  // Conv: per output channel; Add: {a, b}; AvgPool: {m}; Concat: one per input; Affine: m[c]
  // per channel (docs/NUMERICS.md gives the formulas).
  std::vector<float> multiplier;
  std::vector<float> offset;  // Affine: b[c] per channel, in output codes
  bool relu = false;          // a fused ReLU: outputs clamped at 0
  bool x_unsigned = false;    // Conv: input codes in [0, 127] by construction (a ReLU's output)
  bool weight_kn = false;     // linear: the weight stored [in, out] (ONNX MatMul, Gemm transB = 0)
};
using UnaryFn = ops::UnaryFn;         // LeakyRelu, Clip, Sigmoid, HardSigmoid, HardSwish, Tanh
using UnaryAttrs = ops::UnaryParams;  // fn, alpha, beta, lo, hi (formulas: ops/unary.h)
using BinaryFn = ops::BinaryFn;       // Add, Sub, Mul, Div
struct BinaryAttrs {
  BinaryFn fn = BinaryFn::Add;
  // With one value input and one Constant param: the constant's (c,h,w) view (broadcast
  // like a value), and whether it is the first operand (255 - x) or the second (x / 255).
  ValueShape constant{};
  bool constant_first = false;
};
struct PadAttrs {
  int c0 = 0, c1 = 0, h0 = 0, h1 = 0, w0 = 0, w1 = 0;  // before / after, >= 0
  float value = 0.0f;
};
struct SliceAxis {
  int start = 0, end = 0, step = 1;  // 0 <= start < end <= size, step >= 1
};
struct SliceAttrs {
  SliceAxis c, h, w;
};
struct ResizeAttrs {
  int scale_h = 1, scale_w = 1;
};
struct TransposeAttrs {
  std::array<int, 3> perm{0, 1, 2};  // output axis k of (c,h,w) is input axis perm[k]
};
using NodeAttrs =
    std::variant<std::monostate, Conv2dAttrs, BatchNormAttrs, PoolAttrs, LinearAttrs, ShortcutAAttrs, RoundAttrs,
                 UnaryAttrs, BinaryAttrs, PadAttrs, SliceAttrs, ResizeAttrs, TransposeAttrs, QuantizedAttrs>;

struct Node {
  OpKind kind = OpKind::Input;
  std::string name;         // PyTorch module name ("layer1.0.conv1"); "" for parameter-free ops
  std::vector<int> inputs;  // value ids, each produced by an earlier node
  int output = -1;          // value id written by this node
  NodeAttrs attrs;
  std::vector<int> params;  // indices into Graph::params, in state_dict order
  // Conv and linear: the format the weights are rounded to before the multiply (at pack
  // time; the fp32 parameter keeps its bits, faults flip them before the rounding).
  RoundFormat weight_format = RoundFormat::None;
};

// Constant: a non-trainable initializer of an imported graph (normalization constants...):
// not a parameter, not a fault site, replaced by --weights by name like the others.
enum class ParamRole { Weight, Bias, RunningMean, RunningVar, NumBatchesTracked, Constant };

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
  Numerics numerics = Numerics::Fp32;  // set by apply_numerics (faultbench/graph/numerics_graph.h)

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
  // name: the PyTorch module name where the model has the ReLU as a module (an activation
  // fault site, faults/activation_sites.h); "" for F.relu calls.
  int relu(int x, const std::string& name = "");
  int max_pool(int x, PoolAttrs attrs);
  int avg_pool(int x, PoolAttrs attrs);
  int global_avg_pool(int x);
  int global_max_pool(int x);
  int linear(const std::string& name, int x, int out_features);
  int add(int a, int b);
  int concat(const std::vector<int>& xs);
  int shortcut_a(int x, int planes);  // pads (planes - C)/2 zero channels on each side
  int flatten(int x);

  // ONNX operators. Shape rules broken by the arguments (imported data) throw UsageError
  // naming the operator and the rule; the importer adds the file and node.
  int unary(int x, UnaryAttrs attrs);
  int binary(BinaryFn fn, int a, int b);  // two values, broadcast per axis
  // A value and a Constant param `key` (shape: as stored, e.g. ONNX's [1,3,1,1]; view: its
  // (c,h,w) for broadcasting, of equal numel).
  int binary_constant(BinaryFn fn, int x, const std::string& key, Shape shape, ValueShape view,
                      bool constant_first = false);
  int pad(int x, PadAttrs attrs);
  int slice(int x, SliceAttrs attrs);
  int resize(int x, ResizeAttrs attrs);
  int transpose(int x, TransposeAttrs attrs);
  int softmax(int x);  // x must be [C,1,1]
  int reshape(int x, ValueShape shape);
  // Linear with ONNX Gemm / MatMul attributes (weight [in,out] when attrs.weight_transposed,
  // no bias param unless attrs.bias); in/out features come from x and attrs.out_features.
  int linear(const std::string& name, int x, LinearAttrs attrs);

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
