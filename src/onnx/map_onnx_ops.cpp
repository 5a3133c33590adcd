// Mapping of the ONNX operators the graph IR gained for imported graphs (graph.h: Unary,
// Binary, Pad, Slice, Resize, Transpose, Softmax, Reshape, transposed Linear): activations,
// arithmetic with per-channel constants, data movement, and MatMul.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include "faultbench/error.h"
#include "faultbench/ops/movement.h"
#include "importer.h"

namespace faultbench::onnx_import {

namespace {

const Dynamic& dynamic_at(const NodeRef& n, const std::vector<const Binding*>& in, size_t k) {
  if (k >= in.size() || in[k] == nullptr) n.fail(fmt::format("input {} is missing", k));
  if (in[k]->is_constant())
    n.fail(fmt::format("a constant input {} ('{}') is not supported here (activations are)", k, n.node.input(int(k))));
  return in[k]->dynamic;
}

// A scalar float input (Clip's min / max) or `fallback` when absent.
float scalar_input(const NodeRef& n, const std::vector<const Binding*>& in, size_t k, float fallback) {
  if (k >= in.size() || in[k] == nullptr) return fallback;
  if (!in[k]->is_constant() || in[k]->constant->size() != 1)
    n.fail(fmt::format("input {} other than a constant scalar is not supported", k));
  return float(in[k]->constant->at(0));
}

// The (c,h,w) view of a constant that broadcasts against a value of ONNX rank `rank`:
// ONNX aligns shapes on the right, so the constant is padded with leading 1s to that rank,
// and its batch dim must be 1.
ValueShape constant_view(const NodeRef& n, const Shape& dims, int rank) {
  if (int(dims.size()) > rank)
    n.fail(
        fmt::format("constant of shape {} has a higher rank than the activations ({})", shape_to_string(dims), rank));
  Shape full(size_t(rank) - dims.size(), 1);
  full.insert(full.end(), dims.begin(), dims.end());
  if (full[0] != 1) n.fail(fmt::format("constant of shape {} varies along the batch", shape_to_string(dims)));
  for (int64_t d : full)
    if (d < 1 || d > (int64_t(1) << 30))
      n.fail(fmt::format("constant of shape {} has an empty dimension", shape_to_string(dims)));
  return ValueShape{int(full[1]), rank > 2 ? int(full[2]) : 1, rank > 3 ? int(full[3]) : 1};
}

ValueShape broadcast_shapes(const NodeRef& n, const ValueShape& a, const ValueShape& b) {
  const int as[3] = {a.c, a.h, a.w}, bs[3] = {b.c, b.h, b.w};
  int out[3];
  for (int k = 0; k < 3; ++k) {
    if (as[k] != bs[k] && as[k] != 1 && bs[k] != 1)
      n.fail(fmt::format("operands [{}, {}, {}] and [{}, {}, {}] per image do not broadcast", a.c, a.h, a.w, b.c, b.h,
                         b.w));
    out[k] = as[k] == 1 ? bs[k] : as[k];
  }
  return {out[0], out[1], out[2]};
}

// Runs an ops::validate_* check, its UsageError becoming the node's FormatError.
template <typename F>
void validated(const NodeRef& n, F check) {
  try {
    check();
  } catch (const UsageError& e) {
    n.fail(e.what());
  }
}

}  // namespace

void Importer::map_unary(const NodeRef& n, const std::vector<const Binding*>& in) {
  const std::string& op = n.op();
  UnaryAttrs a;
  if (op == "LeakyRelu") {
    n.only_attributes({"alpha"});
    a.fn = UnaryFn::LeakyRelu;
    a.alpha = n.get_float("alpha", 0.01f);
  } else if (op == "Clip") {
    a.fn = UnaryFn::Clip;
    if (opset_ < 11) {
      n.only_attributes({"min", "max"});
      a.lo = n.get_float("min", a.lo);
      a.hi = n.get_float("max", a.hi);
    } else {
      n.only_attributes({});
      a.lo = scalar_input(n, in, 1, a.lo);
      a.hi = scalar_input(n, in, 2, a.hi);
    }
  } else if (op == "Sigmoid" || op == "Tanh" || op == "HardSwish") {
    n.only_attributes({});
    a.fn = op == "Sigmoid" ? UnaryFn::Sigmoid : op == "Tanh" ? UnaryFn::Tanh : UnaryFn::HardSwish;
  } else {  // HardSigmoid
    n.only_attributes({"alpha", "beta"});
    a.fn = UnaryFn::HardSigmoid;
    a.alpha = n.get_float("alpha", 0.2f);
    a.beta = n.get_float("beta", 0.5f);
  }
  validated(n, [&] { ops::validate_unary(a); });
  const Dynamic& d = dynamic_at(n, in, 0);
  const int x = materialize(n, *in[0]);
  bind_dynamic(n, add_node(n, OpKind::Unary, "", {x}, graph_.values[size_t(x)], a), d.rank);
}

void Importer::map_binary(const NodeRef& n, const std::vector<const Binding*>& in) {
  // Opset 6's explicit broadcast: without `axis` it aligns on the right, as numpy does.
  n.only_attributes(opset_ < 7 ? std::vector<std::string>{"broadcast"} : std::vector<std::string>{});
  const std::string& op = n.op();
  const BinaryFn fn = op == "Add"   ? BinaryFn::Add
                      : op == "Sub" ? BinaryFn::Sub
                      : op == "Mul" ? BinaryFn::Mul
                                    : BinaryFn::Div;
  if (in.size() != 2 || !in[0] || !in[1]) n.fail("needs two inputs");
  if (!in[0]->is_constant() && !in[1]->is_constant()) {
    const Dynamic& a = in[0]->dynamic;
    const Dynamic& b = in[1]->dynamic;
    const int x = materialize(n, *in[0]), y = materialize(n, *in[1]);
    const ValueShape sa = graph_.values[size_t(x)], sb = graph_.values[size_t(y)];
    if (a.rank != b.rank)
      n.fail(fmt::format("operands of ranks {} and {} are not supported (equal ranks are)", a.rank, b.rank));
    // The residual sum of two equal shapes is the IR's Add, as in the zoo (fused by the executor).
    if (fn == BinaryFn::Add && sa == sb) {
      bind_dynamic(n, add_node(n, OpKind::Add, "", {x, y}, sa, std::monostate{}), a.rank);
      return;
    }
    bind_dynamic(n, add_node(n, OpKind::Binary, "", {x, y}, broadcast_shapes(n, sa, sb), BinaryAttrs{fn, {}, false}),
                 a.rank);
    return;
  }
  const bool constant_first = in[0]->is_constant();
  const size_t ci = constant_first ? 0 : 1;
  const Dynamic& d = in[1 - ci]->dynamic;
  const int x = materialize(n, *in[1 - ci]);
  const ConstTensor& c = *in[ci]->constant;
  if (!c.is_float)
    n.fail(fmt::format("constant '{}' of type {} is not supported (FLOAT is)", n.node.input(int(ci)),
                       onnx_type_name(c.onnx_type)));
  const ValueShape view = constant_view(n, c.dims, d.rank);
  const ValueShape s = graph_.values[size_t(x)];
  if (!(broadcast_shapes(n, s, view) == s))
    n.fail(fmt::format("constant '{}' of shape {} would grow the activations", n.node.input(int(ci)),
                       shape_to_string(c.dims)));
  const int v = add_node(n, OpKind::Binary, "", {x}, s, BinaryAttrs{fn, view, constant_first});
  add_param(n, ci, in[ci], ParamRole::Constant, c.dims);
  bind_dynamic(n, v, d.rank);
}

// Constant padding of (c, h, w); the batch axis is not padded.
void Importer::map_pad(const NodeRef& n, const std::vector<const Binding*>& in) {
  const Dynamic& d = dynamic_at(n, in, 0);
  const std::string mode = n.get_string("mode", "constant");
  if (mode != "constant") n.unsupported_attribute("mode", mode, "constant");
  std::vector<int64_t> pads;
  float value = 0.0f;
  if (opset_ < 11) {
    n.only_attributes({"mode", "pads", "value"});
    pads = n.get_ints("pads", {});
    value = n.get_float("value", 0.0f);
  } else {
    n.only_attributes({"mode"});
    if (in.size() < 2 || !in[1] || !in[1]->is_constant() || in[1]->constant->is_float)
      n.fail("pads other than constant integers are not supported");
    pads = in[1]->constant->i;
    value = scalar_input(n, in, 2, 0.0f);
    if (in.size() > 3 && in[3]) n.fail("the axes input is not supported");
  }
  const size_t r = size_t(d.rank);
  if (pads.size() != 2 * r) n.fail(fmt::format("pads {} has not 2 x {} values", join_ints(pads), r));
  for (int64_t p : pads)
    if (p < 0 || p > 65536) n.unsupported_attribute("pads", join_ints(pads), "values in 0..65536");
  if (pads[0] != 0 || pads[r] != 0) n.fail("padding the batch axis is not supported");
  if (d.slice && map_shortcut(n, in)) return;
  if (std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; })) {  // PyTorch's avg_pool2d emits one
    values_[n.node.output(0)] = *in[0];
    return;
  }
  const int x = materialize(n, *in[0]);
  auto at = [&](size_t axis, bool end) { return axis < r ? int(pads[axis + (end ? r : 0)]) : 0; };
  PadAttrs a{at(1, false), at(1, true), at(2, false), at(2, true), at(3, false), at(3, true), value};
  const ValueShape s = graph_.values[size_t(x)];
  const ops::PadShape ps{1, s.c, s.h, s.w, a.c0, a.c1, a.h0, a.h1, a.w0, a.w1, a.value};
  validated(n, [&] { ops::validate_pad(ps); });
  bind_dynamic(n, add_node(n, OpKind::Pad, "", {x}, ValueShape{ps.out_c(), ps.out_h(), ps.out_w()}, a), d.rank);
}

// Nearest-neighbour upscale by integer factors of h and w (PyTorch's nn.Upsample(mode=
// "nearest") exports asymmetric coordinates, floor rounding).
void Importer::map_resize(const NodeRef& n, const std::vector<const Binding*>& in) {
  const Dynamic& d = dynamic_at(n, in, 0);
  if (d.rank != 4) n.fail(fmt::format("a {}-D input is not supported (4-D [N, C, H, W] is)", d.rank));
  const int x = materialize(n, *in[0]);
  const ValueShape s = graph_.values[size_t(x)];
  const std::string mode = n.get_string("mode", "nearest");
  if (mode != "nearest") n.unsupported_attribute("mode", mode, "nearest");
  std::vector<double> scales;
  const ConstTensor* sizes = nullptr;
  if (n.op() == "Upsample" && opset_ < 9) {
    n.only_attributes({"mode", "scales"});
    for (const auto& a : n.node.attribute())
      if (a.name() == "scales") scales.assign(a.floats().begin(), a.floats().end());
  } else {
    if (n.op() == "Resize") {
      n.only_attributes({"coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside", "extrapolation_value",
                         "mode", "nearest_mode"});
      const std::string ctm = n.get_string("coordinate_transformation_mode", opset_ < 11 ? "asymmetric" : "half_pixel");
      if (ctm != "asymmetric") n.unsupported_attribute("coordinate_transformation_mode", ctm, "asymmetric");
      const std::string nm = n.get_string("nearest_mode", "round_prefer_floor");
      if (nm != "floor") n.unsupported_attribute("nearest_mode", nm, "floor");
      if (n.get_int("exclude_outside", 0) != 0) n.unsupported_attribute("exclude_outside", "1", "0");
    } else {
      n.only_attributes({"mode"});
    }
    const size_t scales_at = n.op() == "Resize" && opset_ >= 11 ? 2 : 1;
    if (scales_at < in.size() && in[scales_at] && in[scales_at]->is_constant() && in[scales_at]->constant->size() > 0)
      for (int64_t k = 0; k < in[scales_at]->constant->size(); ++k) scales.push_back(in[scales_at]->constant->at(k));
    if (scales.empty() && n.op() == "Resize" && in.size() > 3 && in[3] && in[3]->is_constant())
      sizes = &*in[3]->constant;
  }
  int sh = 0, sw = 0;
  if (sizes) {
    if (sizes->size() != 4 || sizes->is_float) n.fail("sizes must be four integers");
    if (sizes->i[0] != 1 || sizes->i[1] != s.c || sizes->i[2] % s.h != 0 || sizes->i[3] % s.w != 0)
      n.fail(fmt::format("sizes {} is not an integer upscale of [1, {}, {}, {}]", join_ints(sizes->i), s.c, s.h, s.w));
    sh = int(sizes->i[2] / s.h);
    sw = int(sizes->i[3] / s.w);
  } else {
    if (scales.size() != 4 || scales[0] != 1 || scales[1] != 1)
      n.fail("scales other than four constants [1, 1, sh, sw] are not supported");
    for (double v : {scales[2], scales[3]})
      if (v < 1 || v > 64 || v != std::floor(v)) n.fail(fmt::format("scale {} is not an integer in 1..64", v));
    sh = int(scales[2]);
    sw = int(scales[3]);
  }
  const ResizeAttrs a{sh, sw};
  validated(n, [&] { ops::validate_resize({1, s.c, s.h, s.w, sh, sw}); });
  bind_dynamic(n, add_node(n, OpKind::Resize, "", {x}, ValueShape{s.c, s.h * sh, s.w * sw}, a), 4);
}

// A permutation of the axes after the batch (an NHWC input's Transpose to NCHW, ...).
void Importer::map_transpose(const NodeRef& n, const std::vector<const Binding*>& in) {
  n.only_attributes({"perm"});
  const Dynamic& d = dynamic_at(n, in, 0);
  const int x = materialize(n, *in[0]);
  std::vector<int64_t> perm = n.get_ints("perm", {});
  if (perm.empty())
    for (int k = d.rank; k-- > 0;) perm.push_back(k);
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (size_t k = 0; k < sorted.size(); ++k)
    if (sorted[k] != int64_t(k) || int(sorted.size()) != d.rank)
      n.fail("perm " + join_ints(perm) + " is not a permutation of the axes");
  if (perm[0] != 0) n.unsupported_attribute("perm", join_ints(perm), "permutations that keep the batch axis first");
  TransposeAttrs a;
  for (size_t k = 1; k < perm.size(); ++k) a.perm[k - 1] = int(perm[k] - 1);
  const ValueShape s = graph_.values[size_t(x)];
  const ops::TransposeShape ts{1, s.c, s.h, s.w, a.perm};
  validated(n, [&] { ops::validate_transpose(ts); });
  const auto o = ts.out();
  bind_dynamic(n, add_node(n, OpKind::Transpose, "", {x}, ValueShape{o[0], o[1], o[2]}, a), d.rank);
}

void Importer::map_softmax(const NodeRef& n, const std::vector<const Binding*>& in) {
  n.only_attributes({"axis"});
  const Dynamic& d = dynamic_at(n, in, 0);
  const int x = materialize(n, *in[0]);
  const ValueShape s = graph_.values[size_t(x)];
  const int64_t axis = n.get_int("axis", opset_ >= 13 ? -1 : 1);
  const int a = int(axis < 0 ? axis + d.rank : axis);
  // Over the channels of [N, K] (or [N, K, 1, 1] with axis 1): the classifier's output.
  if (s.h != 1 || s.w != 1 || a != 1)
    n.unsupported_attribute("axis", std::to_string(axis), "the class axis of [N, K] logits");
  bind_dynamic(n, add_node(n, OpKind::Softmax, "", {x}, s, std::monostate{}), d.rank);
}

// MatMul of [N, K] activations by a constant [K, M]: a Linear whose weight is stored
// transposed, without bias (a following Add of a constant is a Binary).
void Importer::map_matmul(const NodeRef& n, const std::vector<const Binding*>& in) {
  n.only_attributes({});
  const Dynamic& d = dynamic_at(n, in, 0);
  if (d.rank != 2) n.fail(fmt::format("a {}-D input A is not supported (2-D [N, K] is: Flatten first)", d.rank));
  const int x = materialize(n, *in[0]);
  const ValueShape s = graph_.values[size_t(x)];
  if (in.size() < 2 || !in[1] || !in[1]->is_constant())
    n.fail("a weight B computed from the image is not supported (a constant is)");
  const Shape& wd = in[1]->constant->dims;
  if (wd.size() != 2 || wd[0] != s.numel() || wd[1] < 1 || wd[1] > (int64_t(1) << 24))
    n.fail(fmt::format("weight B {} does not fit input A [N, {}]", shape_to_string(wd), s.numel()));
  LinearAttrs a;
  a.in_features = int(s.numel());
  a.out_features = int(wd[1]);
  a.weight_transposed = true;
  a.bias = false;
  const std::string& w = n.node.input(1);
  const std::string name =
      w.ends_with(".weight") && w.size() > 7 ? w.substr(0, w.size() - 7) : (n.name().empty() ? w : n.name());
  const int v = add_node(n, OpKind::Linear, name, {x}, ValueShape{a.out_features, 1, 1}, a);
  add_param(n, 1, in[1], ParamRole::Weight, wd);
  bind_dynamic(n, v, 2);
}

}  // namespace faultbench::onnx_import
