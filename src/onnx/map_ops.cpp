// Mapping the nodes that compute on activations to IR ops (one function per op family).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <onnx/onnx_pb.h>

#include "faultbench/error.h"
#include "faultbench/ops/movement.h"
#include "faultbench/ops/pool.h"
#include "fold.h"
#include "importer.h"
#include "window.h"

namespace faultbench::onnx_import {

const std::vector<std::string>& mapped_ops() {
  static const std::vector<std::string> ops = {"Add",
                                               "AveragePool",
                                               "BatchNormalization",
                                               "Clip",
                                               "Concat",
                                               "Conv",
                                               "Div",
                                               "Dropout",
                                               "Flatten",
                                               "Gemm",
                                               "GlobalAveragePool",
                                               "GlobalMaxPool",
                                               "HardSigmoid",
                                               "HardSwish",
                                               "Identity",
                                               "LeakyRelu",
                                               "MatMul",
                                               "MaxPool",
                                               "Mul",
                                               "Pad",
                                               "Relu",
                                               "Reshape",
                                               "Resize",
                                               "Shape",
                                               "Sigmoid",
                                               "Slice",
                                               "Softmax",
                                               "Squeeze",
                                               "Sub",
                                               "Tanh",
                                               "Transpose",
                                               "Unsqueeze",
                                               "Upsample"};
  return ops;
}

Shape onnx_dims(const ValueShape& s, int rank, int64_t batch) {
  if (rank == 2) return {batch, s.c};
  if (rank == 3) return {batch, s.c, s.h};
  return {batch, s.c, s.h, s.w};
}

ValueShape value_shape(const NodeRef& n, const Shape& dims, int64_t batch) {
  if (dims.size() < 2 || dims.size() > 4 || dims[0] != batch)
    n.fail(fmt::format("result shape {} is not supported (2 to 4 axes, the batch axis first and unchanged)",
                       shape_to_string(dims)));
  for (int64_t d : dims)
    if (d < 1 || d > (int64_t(1) << 30))
      n.fail(fmt::format("result shape {} has an empty or huge dimension", shape_to_string(dims)));
  const ValueShape s{int(dims[1]), dims.size() > 2 ? int(dims[2]) : 1, dims.size() > 3 ? int(dims[3]) : 1};
  if (s.numel() > (int64_t(1) << 30)) n.fail(fmt::format("result shape {} is too large", shape_to_string(dims)));
  return s;
}

namespace {

const Dynamic& dynamic_input(const NodeRef& n, const std::vector<const Binding*>& in, size_t k) {
  if (k >= in.size() || in[k] == nullptr) n.fail(fmt::format("input {} is missing", k));
  if (in[k]->is_constant())
    n.fail(fmt::format("a constant input {} ('{}') is not supported here (activations are)", k, n.node.input(int(k))));
  return in[k]->dynamic;
}

const ConstTensor& constant_input(const NodeRef& n, const std::vector<const Binding*>& in, size_t k, const char* what) {
  if (k >= in.size() || in[k] == nullptr) n.fail(fmt::format("input {} ({}) is missing", k, what));
  if (!in[k]->is_constant())
    n.fail(fmt::format("input {} ({}, '{}') computed from the image is not supported (a constant is)", k, what,
                       n.node.input(int(k))));
  return *in[k]->constant;
}

}  // namespace

int Importer::add_node(const NodeRef& n, OpKind kind, std::string name, std::vector<int> inputs, ValueShape out,
                       NodeAttrs attrs) {
  if (out.c < 1 || out.h < 1 || out.w < 1)
    n.fail(fmt::format("its output would be empty ([{}, {}, {}] per image)", out.c, out.h, out.w));
  Node node;
  node.kind = kind;
  node.name = std::move(name);
  node.inputs = std::move(inputs);
  node.output = int(graph_.values.size());
  node.attrs = std::move(attrs);
  graph_.values.push_back(out);
  graph_.nodes.push_back(std::move(node));
  return graph_.nodes.back().output;
}

int Importer::add_param(const NodeRef& n, size_t input, const Binding* b, ParamRole role, const Shape& expected) {
  const std::string& name = n.node.input(int(input));
  if (b == nullptr || !b->is_constant())
    n.fail(fmt::format("input {} ('{}') computed from the image is not supported (a constant is)", input, name));
  const ConstTensor& c = *b->constant;
  if (!c.is_float)
    n.fail(fmt::format("parameter '{}' of type {} is not supported (FLOAT is)", name, onnx_type_name(c.onnx_type)));
  if (c.dims != expected)
    n.fail(fmt::format("parameter '{}' has shape {}, expected {}", name, shape_to_string(c.dims),
                       shape_to_string(expected)));
  // A constant operand (Mul by 0.5, Add of a per-channel shift) read by several nodes is one
  // tensor that each of them reads: the same Param (--weights replaces it once, for all).
  // It is never a fault site.
  if (const auto shared = param_users_.find(name); shared != param_users_.end()) {
    const Param& first = graph_.params[size_t(shared->second)];
    if (role == ParamRole::Constant && first.role == ParamRole::Constant && first.shape == c.dims) {
      graph_.nodes.back().params.push_back(shared->second);
      return shared->second;
    }
  }
  // A layer's parameter (a weight, a bias, BatchNorm's statistics) belongs to that layer
  // alone: a fault injected into it must reach every use, and the executor and the fault
  // sites know one owner per parameter.
  if (role != ParamRole::Constant) check_parameter_readers(n, name, true);
  if (param_users_.count(name))
    n.fail(fmt::format("parameter '{}' is already used by another layer (shared weights are not supported)", name));
  Param p;
  p.name = name;
  p.shape = c.dims;
  p.role = role;
  p.node = int(graph_.nodes.size()) - 1;
  p.value = Tensor(c.dims, c.f);
  graph_.params.push_back(std::move(p));
  const int index = int(graph_.params.size()) - 1;
  graph_.nodes.back().params.push_back(index);
  param_users_[name] = index;
  return index;
}

// Refuses a layer's parameter that another node reads too (importer.h: consumers_), naming
// the nodes: when `name` becomes a parameter of `n` (add_param), or `n` reads a name that is
// already a parameter. A constant operand may have any number of readers.
void Importer::check_parameter_readers(const NodeRef& n, const std::string& name, bool becoming_parameter) const {
  const auto r = consumers_.find(name);
  if (r == consumers_.end() || r->second.size() < 2) return;
  const auto p = param_users_.find(name);
  const bool is_parameter = p != param_users_.end() && graph_.params[size_t(p->second)].role != ParamRole::Constant;
  if (!becoming_parameter && !is_parameter) return;
  std::string nodes;
  for (const std::string& label : r->second) nodes += (nodes.empty() ? "" : ", ") + label;
  n.fail(
      fmt::format("parameter '{}' is read by {} nodes ({}): a layer's parameters must be its own (a fault "
                  "site is one tensor of one layer); give each layer its own initializer",
                  name, r->second.size(), nodes));
}

void Importer::bind_dynamic(const NodeRef& n, int value, int rank, size_t output) {
  if (int(output) >= n.node.output_size()) return;
  Binding b;
  b.dynamic.value = value;
  b.dynamic.rank = rank;
  values_[n.node.output(int(output))] = std::move(b);
}

// A pending Slice becomes an IR value (none needed when it keeps everything).
int Importer::materialize(const NodeRef& n, const Binding& b) {
  const Dynamic& d = b.dynamic;
  if (!d.slice) return d.value;
  const Shape dims = onnx_dims(graph_.values[size_t(d.value)], d.rank, batch_);
  bool whole = true;
  for (size_t k = 0; k < dims.size(); ++k)
    whole = whole && d.slice->start[k] == 0 && d.slice->step[k] == 1 && d.slice->count[k] == dims[k];
  if (whole) return d.value;
  const SliceSpec& sl = *d.slice;
  if (sl.start[0] != 0 || sl.step[0] != 1 || sl.count[0] != batch_) n.fail("slicing the batch axis is not supported");
  auto axis = [&](size_t k) {
    if (k >= dims.size()) return SliceAxis{0, 1, 1};
    if (sl.step[k] < 1) n.fail("a Slice of activations with a negative step is not supported");
    return SliceAxis{int(sl.start[k]), int(sl.start[k] + (sl.count[k] - 1) * sl.step[k] + 1), int(sl.step[k])};
  };
  const SliceAttrs a{axis(1), axis(2), axis(3)};
  const ValueShape s = graph_.values[size_t(d.value)];
  const ops::SliceShape ss{
      1, s.c, s.h, s.w, {a.c.start, a.c.end, a.c.step}, {a.h.start, a.h.end, a.h.step}, {a.w.start, a.w.end, a.w.step}};
  try {
    ops::validate_slice(ss);
  } catch (const UsageError& e) {
    n.fail(e.what());
  }
  return add_node(n, OpKind::Slice, "", {d.value}, ValueShape{ss.rc.size(), ss.rh.size(), ss.rw.size()}, a);
}

// Slice(h, w: from 0 step 2) then a zero Pad of channels only: the IR's ShortcutA.
bool Importer::map_shortcut(const NodeRef& n, const std::vector<const Binding*>& in) {
  const Dynamic& d = dynamic_input(n, in, 0);
  if (!d.slice || d.rank != 4) return false;
  const ValueShape s = graph_.values[size_t(d.value)];
  const SliceSpec& sl = *d.slice;
  const bool shortcut = sl.start == std::vector<int64_t>{0, 0, 0, 0} && sl.step == std::vector<int64_t>{1, 1, 2, 2} &&
                        sl.count[0] == batch_ && sl.count[1] == s.c && sl.count[2] == (s.h + 1) / 2 &&
                        sl.count[3] == (s.w + 1) / 2;
  if (!shortcut) return false;
  const std::string mode = n.get_string("mode", "constant");
  std::vector<int64_t> pads = n.get_ints("pads", {});
  if (opset_ >= 11) pads = in.size() > 1 && in[1] ? constant_input(n, in, 1, "pads").i : std::vector<int64_t>{};
  float value = n.get_float("value", 0.0f);
  if (opset_ >= 11 && in.size() > 2 && in[2]) {
    const ConstTensor& v = constant_input(n, in, 2, "constant_value");
    if (v.size() != 1 || !v.is_float) n.fail("constant_value must be one float");
    value = v.f[0];
  }
  if (mode != "constant" || value != 0.0f || std::signbit(value) || pads.size() != 8) return false;
  for (size_t k : {0, 2, 3, 4, 6, 7})
    if (pads[k] != 0) return false;
  if (pads[1] < 0 || pads[5] < 0 || pads[1] > 65536 || pads[5] > 65536) return false;
  const ValueShape out{s.c + int(pads[1] + pads[5]), (s.h + 1) / 2, (s.w + 1) / 2};
  bind_dynamic(n, add_node(n, OpKind::ShortcutA, "", {d.value}, out, ShortcutAAttrs{int(pads[1]), int(pads[5])}), 4);
  return true;
}

void Importer::map_node(const NodeRef& n, const std::vector<const Binding*>& in) {
  const std::string& op = n.op();
  auto unary_input = [&]() { return materialize(n, *in.at(0)); };
  if (op == "Identity" || op == "Dropout") {
    if (op == "Dropout" && n.node.output_size() > 1 && !n.node.output(1).empty())
      n.fail("the mask output of Dropout is not supported");
    if (in.empty() || !in[0]) n.fail("input 0 is missing");
    values_[n.node.output(0)] = *in[0];
    return;
  }
  if (op == "Slice") {
    const Dynamic& d = dynamic_input(n, in, 0);
    std::vector<const ConstTensor*> args{nullptr};
    for (size_t k = 1; k < in.size(); ++k) args.push_back(in[k] ? &constant_input(n, in, k, "slice bounds") : nullptr);
    const Shape dims = d.slice ? Shape(d.slice->count) : onnx_dims(graph_.values[size_t(d.value)], d.rank, batch_);
    SliceSpec spec = slice_spec(n, dims, args, opset_);
    // A Slice of a pending Slice (PyTorch slices one axis per node): element i of the
    // second is element start2 + step2 * i of the first.
    if (d.slice)
      for (size_t k = 0; k < dims.size(); ++k) {
        spec.start[k] = d.slice->start[k] + d.slice->step[k] * spec.start[k];
        spec.step[k] *= d.slice->step[k];
      }
    for (int64_t c : spec.count)
      if (c < 1) n.fail("the slice is empty");
    Binding b = *in[0];
    b.dynamic.slice = spec;
    values_[n.node.output(0)] = std::move(b);
    return;
  }
  if (op == "Pad") return map_pad(n, in);
  if (op == "Relu") {
    const Dynamic& d = dynamic_input(n, in, 0);
    const int x = unary_input();
    bind_dynamic(n, add_node(n, OpKind::ReLU, "", {x}, graph_.values[size_t(x)], std::monostate{}), d.rank);
    return;
  }
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") return map_binary(n, in);
  if (op == "LeakyRelu" || op == "Clip" || op == "Sigmoid" || op == "HardSigmoid" || op == "HardSwish" || op == "Tanh")
    return map_unary(n, in);
  if (op == "Resize" || op == "Upsample") return map_resize(n, in);
  if (op == "Transpose") return map_transpose(n, in);
  if (op == "Softmax") return map_softmax(n, in);
  if (op == "MatMul") return map_matmul(n, in);
  if (op == "Concat") {
    std::vector<int> xs;
    int rank = 0;
    for (size_t k = 0; k < in.size(); ++k) {
      rank = dynamic_input(n, in, k).rank;
      xs.push_back(materialize(n, *in[k]));
    }
    if (normalize_axis(n, n.get_int("axis", 1), size_t(rank)) != 1)
      n.unsupported_attribute("axis", std::to_string(n.get_int("axis", 1)), "1 (channels)");
    if (xs.size() < 2) n.fail("needs two or more inputs");
    ValueShape out = graph_.values[size_t(xs[0])];
    out.c = 0;
    for (int x : xs) {
      const ValueShape& s = graph_.values[size_t(x)];
      if (s.h != out.h || s.w != out.w) n.fail("inputs differ in height or width");
      out.c += s.c;
    }
    bind_dynamic(n, add_node(n, OpKind::Concat, "", xs, out, std::monostate{}), rank);
    return;
  }
  if (op == "Flatten" || op == "Reshape" || op == "Squeeze" || op == "Unsqueeze") {
    const Dynamic& d = dynamic_input(n, in, 0);
    const int x = unary_input();
    std::vector<const ConstTensor*> args{nullptr};
    for (size_t k = 1; k < in.size(); ++k) args.push_back(in[k] ? &constant_input(n, in, k, "shape or axes") : nullptr);
    const ValueShape s = graph_.values[size_t(x)];
    Shape dims = reshape_result(n, onnx_dims(s, d.rank, batch_), args, opset_);
    const ValueShape out = value_shape(n, dims, batch_);
    if (out == s) {  // the same (c, h, w): only the ONNX rank changes
      bind_dynamic(n, x, int(dims.size()));
      return;
    }
    if (dims.size() == 2) {  // [N, C*H*W]: the IR's Flatten
      bind_dynamic(n, add_node(n, OpKind::Flatten, "", {x}, out, std::monostate{}), 2);
      return;
    }
    // The data is contiguous [C,H,W] per image, in ONNX's row-major order: a new shape.
    bind_dynamic(n, add_node(n, OpKind::Reshape, "", {x}, out, std::monostate{}), int(dims.size()));
    return;
  }
  if (op == "GlobalAveragePool" || op == "GlobalMaxPool") {
    const Dynamic& d = dynamic_input(n, in, 0);
    if (d.rank != 4) n.fail(fmt::format("a {}-D input is not supported (4-D [N, C, H, W] is)", d.rank));
    const int x = unary_input();
    bind_dynamic(n,
                 add_node(n, op == "GlobalMaxPool" ? OpKind::GlobalMaxPool : OpKind::GlobalAvgPool, "", {x},
                          ValueShape{graph_.values[size_t(x)].c, 1, 1}, std::monostate{}),
                 4);
    return;
  }
  if (op == "Conv") return map_conv(n, in);
  if (op == "BatchNormalization") return map_batch_norm(n, in);
  if (op == "MaxPool" || op == "AveragePool") return map_pool(n, in);
  if (op == "Gemm") return map_gemm(n, in);
  std::vector<std::string> ops = mapped_ops();
  for (const std::string& f : foldable_ops())
    if (std::find(ops.begin(), ops.end(), f) == ops.end()) ops.push_back(f + " (of constants)");
  ops.push_back("Constant");
  std::sort(ops.begin(), ops.end());
  n.fail(fmt::format("op type '{}' is not supported (supported ops: {})", op, fmt::join(ops, ", ")));
}

}  // namespace faultbench::onnx_import
