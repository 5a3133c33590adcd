#include "faultbench/graph.h"

#include "faultbench/error.h"
#include <string>
#include <utility>

#include "faultbench/ops/movement.h"
#include "faultbench/ops/pool.h"

namespace faultbench {

namespace {
std::string window_text(const Window2d& w) {
  auto pair = [](int a, int b) { return std::to_string(a) + "x" + std::to_string(b); };
  return "kernel " + pair(w.kernel_h, w.kernel_w) + ", stride " + pair(w.stride_h, w.stride_w) + ", dilation " +
         pair(w.dilation_h, w.dilation_w) + ", pads (top, left, bottom, right) (" + std::to_string(w.pad_top) + ", " +
         std::to_string(w.pad_left) + ", " + std::to_string(w.pad_bottom) + ", " + std::to_string(w.pad_right) + ")";
}

// The output plane of window w over an input plane, or a UsageError naming the layer and
// the rule when a value is out of range or no window fits the padded input.
std::pair<int, int> window_output(const std::string& layer, const ValueShape& in, const Window2d& w, bool ceil_mode) {
  FAULTBENCH_CHECK(w.kernel_h > 0 && w.kernel_w > 0 && w.stride_h > 0 && w.stride_w > 0 && w.dilation_h > 0 &&
                       w.dilation_w > 0 && w.pad_top >= 0 && w.pad_left >= 0 && w.pad_bottom >= 0 && w.pad_right >= 0,
                   layer + ": kernel, stride and dilation must be positive and pads >= 0 (" + window_text(w) + ")");
  const int oh = window_output_size(in.h, w.kernel_h, w.stride_h, w.dilation_h, w.pad_top, w.pad_bottom, ceil_mode);
  const int ow = window_output_size(in.w, w.kernel_w, w.stride_w, w.dilation_w, w.pad_left, w.pad_right, ceil_mode);
  FAULTBENCH_CHECK(oh > 0 && ow > 0, layer + ": the window (" + window_text(w) + ") does not fit the " +
                                         std::to_string(in.h) + "x" + std::to_string(in.w) +
                                         " input: the output would be empty");
  return {oh, ow};
}
}  // namespace

const char* op_kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::Input: return "input";
    case OpKind::Conv2d: return "conv2d";
    case OpKind::BatchNorm2d: return "batch_norm2d";
    case OpKind::ReLU: return "relu";
    case OpKind::MaxPool2d: return "max_pool2d";
    case OpKind::AvgPool2d: return "avg_pool2d";
    case OpKind::GlobalAvgPool: return "global_avg_pool";
    case OpKind::GlobalMaxPool: return "global_max_pool";
    case OpKind::Linear: return "linear";
    case OpKind::Add: return "add";
    case OpKind::Concat: return "concat";
    case OpKind::ShortcutA: return "shortcut_a";
    case OpKind::Flatten: return "flatten";
    case OpKind::Round: return "round";
    case OpKind::Unary: return "unary";
    case OpKind::Binary: return "binary";
    case OpKind::Pad: return "pad";
    case OpKind::Slice: return "slice";
    case OpKind::Resize: return "resize";
    case OpKind::Transpose: return "transpose";
    case OpKind::Softmax: return "softmax";
    case OpKind::Reshape: return "reshape";
    case OpKind::Quantized: return "quantized";
  }
  return "unknown";
}

std::optional<int> Graph::find_param(const std::string& key) const {
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].name == key) return int(i);
  return std::nullopt;
}

std::optional<int> Graph::find_node(const std::string& name) const {
  for (size_t i = 0; i < nodes.size(); ++i)
    if (!nodes[i].name.empty() && nodes[i].name == name) return int(i);
  return std::nullopt;
}

std::vector<int> Graph::fault_site_params() const {
  std::vector<int> out;
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].is_fault_site()) out.push_back(int(i));
  return out;
}

int64_t Graph::node_macs(int node) const {
  const Node& n = nodes.at(size_t(node));
  if (n.kind == OpKind::Conv2d) {
    const auto& a = std::get<Conv2dAttrs>(n.attrs);
    const ValueShape& o = values[size_t(n.output)];
    return int64_t(o.h) * o.w * a.out_channels * (a.in_channels / a.groups) * a.window.kernel_h * a.window.kernel_w;
  }
  if (n.kind == OpKind::Linear) {
    const auto& a = std::get<LinearAttrs>(n.attrs);
    return int64_t(a.in_features) * a.out_features;
  }
  if (n.kind == OpKind::Quantized && std::get<QuantizedAttrs>(n.attrs).op == QuantOp::Conv) {  // int8 conv/linear
    const auto& a = std::get<QuantizedAttrs>(n.attrs).conv;
    const ValueShape& o = values[size_t(n.output)];
    return int64_t(o.h) * o.w * a.out_channels * (a.in_channels / a.groups) * a.window.kernel_h * a.window.kernel_w;
  }
  return 0;
}

int64_t Graph::macs_per_image() const {
  int64_t macs = 0;
  for (size_t i = 0; i < nodes.size(); ++i) macs += node_macs(int(i));
  return macs;
}

int64_t Graph::parameter_count() const {
  int64_t total = 0;
  for (const Param& p : params)
    if (p.is_parameter()) total += numel(p.shape);
  return total;
}

int64_t Graph::fault_site_weight_count() const {
  int64_t total = 0;
  for (const Param& p : params)
    if (p.is_fault_site()) total += numel(p.shape);
  return total;
}

GraphBuilder::GraphBuilder(std::string model, std::string dataset, ValueShape input, int classes) {
  graph_.model = std::move(model);
  graph_.dataset = std::move(dataset);
  graph_.classes = classes;
  graph_.input_shape = input;
  input_value_ = add_node(OpKind::Input, "", {}, input, std::monostate{});
  graph_.input_value = input_value_;
}

int GraphBuilder::add_node(OpKind kind, std::string name, std::vector<int> inputs, ValueShape out, NodeAttrs attrs) {
  for (int v : inputs) FAULTBENCH_CHECK(v >= 0 && size_t(v) < graph_.values.size(), "bad input value");
  FAULTBENCH_CHECK(out.c > 0 && out.h > 0 && out.w > 0, "empty output shape for node '" + name + "'");
  Node n;
  n.kind = kind;
  n.name = std::move(name);
  n.inputs = std::move(inputs);
  n.output = int(graph_.values.size());
  n.attrs = std::move(attrs);
  graph_.values.push_back(out);
  graph_.nodes.push_back(std::move(n));
  return graph_.nodes.back().output;
}

void GraphBuilder::add_param(const std::string& key, Shape shape, ParamRole role) {
  Param p;
  p.name = key;
  p.role = role;
  p.node = int(graph_.nodes.size()) - 1;
  if (role != ParamRole::NumBatchesTracked) p.value = Tensor(shape);
  p.shape = std::move(shape);
  graph_.params.push_back(std::move(p));
}

std::vector<int> GraphBuilder::params_of_last_node() const {
  std::vector<int> out;
  const int node = int(graph_.nodes.size()) - 1;
  for (size_t i = 0; i < graph_.params.size(); ++i)
    if (graph_.params[i].node == node) out.push_back(int(i));
  return out;
}

int GraphBuilder::conv2d(const std::string& name, int x, Conv2dAttrs a) {
  const ValueShape in = shape(x);
  FAULTBENCH_CHECK(in.c == a.in_channels, name + ": input has " + std::to_string(in.c) + " channels");
  FAULTBENCH_CHECK(a.groups > 0 && a.in_channels % a.groups == 0 && a.out_channels % a.groups == 0,
                   name + ": channels not divisible by groups");
  const auto [oh, ow] = window_output(name, in, a.window, false);
  int v = add_node(OpKind::Conv2d, name, {x}, ValueShape{a.out_channels, oh, ow}, a);
  add_param(name + ".weight", {a.out_channels, a.in_channels / a.groups, a.window.kernel_h, a.window.kernel_w},
            ParamRole::Weight);
  if (a.bias) add_param(name + ".bias", {a.out_channels}, ParamRole::Bias);
  graph_.nodes.back().params = params_of_last_node();
  return v;
}

int GraphBuilder::batch_norm(const std::string& name, int x, double eps) {
  const ValueShape in = shape(x);
  int v = add_node(OpKind::BatchNorm2d, name, {x}, in, BatchNormAttrs{in.c, eps});
  add_param(name + ".weight", {in.c}, ParamRole::Weight);
  add_param(name + ".bias", {in.c}, ParamRole::Bias);
  add_param(name + ".running_mean", {in.c}, ParamRole::RunningMean);
  add_param(name + ".running_var", {in.c}, ParamRole::RunningVar);
  add_param(name + ".num_batches_tracked", {}, ParamRole::NumBatchesTracked);
  graph_.nodes.back().params = params_of_last_node();
  return v;
}

int GraphBuilder::relu(int x, const std::string& name) {
  return add_node(OpKind::ReLU, name, {x}, shape(x), std::monostate{});
}

int GraphBuilder::max_pool(int x, PoolAttrs a) {
  const ValueShape in = shape(x);
  const auto [oh, ow] = window_output("max_pool", in, a.window, a.ceil_mode);
  return add_node(OpKind::MaxPool2d, "", {x}, ValueShape{in.c, oh, ow}, a);
}

int GraphBuilder::avg_pool(int x, PoolAttrs a) {
  FAULTBENCH_CHECK(a.window.dilation_h == 1 && a.window.dilation_w == 1,
                   "avg_pool: dilation must be 1 (" + window_text(a.window) + ")");
  const ValueShape in = shape(x);
  const auto [oh, ow] = window_output("avg_pool", in, a.window, a.ceil_mode);
  return add_node(OpKind::AvgPool2d, "", {x}, ValueShape{in.c, oh, ow}, a);
}

int GraphBuilder::global_max_pool(int x) {
  return add_node(OpKind::GlobalMaxPool, "", {x}, ValueShape{shape(x).c, 1, 1}, std::monostate{});
}

int GraphBuilder::global_avg_pool(int x) {
  return add_node(OpKind::GlobalAvgPool, "", {x}, ValueShape{shape(x).c, 1, 1}, std::monostate{});
}

int GraphBuilder::linear(const std::string& name, int x, int out_features) {
  const int in_features = int(shape(x).numel());
  int v = add_node(OpKind::Linear, name, {x}, ValueShape{out_features, 1, 1}, LinearAttrs{in_features, out_features});
  add_param(name + ".weight", {out_features, in_features}, ParamRole::Weight);
  add_param(name + ".bias", {out_features}, ParamRole::Bias);
  graph_.nodes.back().params = params_of_last_node();
  return v;
}

int GraphBuilder::add(int a, int b) {
  FAULTBENCH_CHECK(shape(a) == shape(b), "add: shapes differ");
  return add_node(OpKind::Add, "", {a, b}, shape(a), std::monostate{});
}

int GraphBuilder::concat(const std::vector<int>& xs) {
  FAULTBENCH_CHECK(xs.size() >= 2, "concat needs 2+ inputs");
  ValueShape out = shape(xs[0]);
  out.c = 0;
  for (int x : xs) {
    FAULTBENCH_CHECK(shape(x).h == out.h && shape(x).w == out.w, "concat: spatial sizes differ");
    out.c += shape(x).c;
  }
  return add_node(OpKind::Concat, "", xs, out, std::monostate{});
}

int GraphBuilder::shortcut_a(int x, int planes) {
  const ValueShape in = shape(x);
  FAULTBENCH_CHECK((planes - in.c) % 2 == 0 && planes >= in.c, "shortcut_a: odd channel padding");
  const int pad = (planes - in.c) / 2;
  ValueShape out{planes, (in.h + 1) / 2, (in.w + 1) / 2};
  return add_node(OpKind::ShortcutA, "", {x}, out, ShortcutAAttrs{pad, pad});
}

int GraphBuilder::flatten(int x) {
  return add_node(OpKind::Flatten, "", {x}, ValueShape{int(shape(x).numel()), 1, 1}, std::monostate{});
}

namespace {
std::string str(const ValueShape& s) {
  return "[" + std::to_string(s.c) + ", " + std::to_string(s.h) + ", " + std::to_string(s.w) + "]";
}

// numpy broadcasting per axis: equal sizes, or 1 against anything.
ValueShape broadcast(BinaryFn fn, const ValueShape& a, const ValueShape& b) {
  const char* axis[3] = {"c", "h", "w"};
  const int as[3] = {a.c, a.h, a.w}, bs[3] = {b.c, b.h, b.w};
  int out[3];
  for (int k = 0; k < 3; ++k) {
    if (as[k] != bs[k] && as[k] != 1 && bs[k] != 1)
      throw UsageError(std::string("binary (") + ops::binary_fn_name(fn) + "): operand shapes " + str(a) + " and " +
                       str(b) + " do not broadcast (axis " + axis[k] + ": " + std::to_string(as[k]) + " vs " +
                       std::to_string(bs[k]) + ")");
    out[k] = as[k] == 1 ? bs[k] : as[k];
  }
  return {out[0], out[1], out[2]};
}
}  // namespace

int GraphBuilder::unary(int x, UnaryAttrs a) {
  ops::validate_unary(a);
  return add_node(OpKind::Unary, "", {x}, shape(x), a);
}

int GraphBuilder::binary(BinaryFn fn, int a, int b) {
  return add_node(OpKind::Binary, "", {a, b}, broadcast(fn, shape(a), shape(b)), BinaryAttrs{fn, {}, false});
}

int GraphBuilder::binary_constant(BinaryFn fn, int x, const std::string& key, Shape param_shape, ValueShape view,
                                  bool constant_first) {
  if (view.c <= 0 || view.h <= 0 || view.w <= 0 || view.numel() != numel(param_shape))
    throw UsageError(std::string("binary (") + ops::binary_fn_name(fn) + "): constant '" + key + "' of shape " +
                     shape_to_string(param_shape) + " cannot be viewed as " + str(view));
  const ValueShape out = constant_first ? broadcast(fn, view, shape(x)) : broadcast(fn, shape(x), view);
  if (out != shape(x))
    throw UsageError(std::string("binary (") + ops::binary_fn_name(fn) + "): constant '" + key + "' " + str(view) +
                     " would grow the value " + str(shape(x)) + " to " + str(out));
  int v = add_node(OpKind::Binary, "", {x}, out, BinaryAttrs{fn, view, constant_first});
  add_param(key, std::move(param_shape), ParamRole::Constant);
  graph_.nodes.back().params = params_of_last_node();
  return v;
}

int GraphBuilder::pad(int x, PadAttrs a) {
  const ValueShape in = shape(x);
  const ops::PadShape s{1, in.c, in.h, in.w, a.c0, a.c1, a.h0, a.h1, a.w0, a.w1, a.value};
  ops::validate_pad(s);
  return add_node(OpKind::Pad, "", {x}, ValueShape{s.out_c(), s.out_h(), s.out_w()}, a);
}

int GraphBuilder::slice(int x, SliceAttrs a) {
  const ValueShape in = shape(x);
  const ops::SliceShape s{1,
                          in.c,
                          in.h,
                          in.w,
                          {a.c.start, a.c.end, a.c.step},
                          {a.h.start, a.h.end, a.h.step},
                          {a.w.start, a.w.end, a.w.step}};
  ops::validate_slice(s);
  return add_node(OpKind::Slice, "", {x}, ValueShape{s.rc.size(), s.rh.size(), s.rw.size()}, a);
}

int GraphBuilder::resize(int x, ResizeAttrs a) {
  const ValueShape in = shape(x);
  ops::validate_resize({1, in.c, in.h, in.w, a.scale_h, a.scale_w});
  return add_node(OpKind::Resize, "", {x}, ValueShape{in.c, in.h * a.scale_h, in.w * a.scale_w}, a);
}

int GraphBuilder::transpose(int x, TransposeAttrs a) {
  const ValueShape in = shape(x);
  const ops::TransposeShape s{1, in.c, in.h, in.w, a.perm};
  ops::validate_transpose(s);
  const auto o = s.out();
  return add_node(OpKind::Transpose, "", {x}, ValueShape{o[0], o[1], o[2]}, a);
}

int GraphBuilder::softmax(int x) {
  const ValueShape in = shape(x);
  if (in.h != 1 || in.w != 1) throw UsageError("softmax: only over the channels of a [C, 1, 1] value, got " + str(in));
  return add_node(OpKind::Softmax, "", {x}, in, std::monostate{});
}

int GraphBuilder::reshape(int x, ValueShape s) {
  if (s.c <= 0 || s.h <= 0 || s.w <= 0 || s.numel() != shape(x).numel())
    throw UsageError("reshape: " + str(shape(x)) + " cannot become " + str(s) + " (element counts differ)");
  return add_node(OpKind::Reshape, "", {x}, s, std::monostate{});
}

int GraphBuilder::linear(const std::string& name, int x, LinearAttrs a) {
  a.in_features = int(shape(x).numel());
  if (a.out_features <= 0)
    throw UsageError("linear '" + name + "': out_features must be positive, got " + std::to_string(a.out_features));
  int v = add_node(OpKind::Linear, name, {x}, ValueShape{a.out_features, 1, 1}, a);
  add_param(name + ".weight",
            a.weight_transposed ? Shape{a.in_features, a.out_features} : Shape{a.out_features, a.in_features},
            ParamRole::Weight);
  if (a.bias) add_param(name + ".bias", {a.out_features}, ParamRole::Bias);
  graph_.nodes.back().params = params_of_last_node();
  return v;
}

Graph GraphBuilder::finish(int logits) {
  FAULTBENCH_CHECK(shape(logits) == (ValueShape{graph_.classes, 1, 1}), "output is not [classes,1,1]");
  graph_.output_value = logits;
  return std::move(graph_);
}

}  // namespace faultbench
