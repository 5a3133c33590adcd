#include "fold.h"

#include "shape_rules.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

namespace faultbench::onnx_import {

namespace {

using Ints = std::vector<int64_t>;

Ints strides_of(const Shape& dims) {
  Ints s(dims.size(), 1);
  for (size_t d = dims.size(); d-- > 1;) s[d - 1] = s[d] * dims[d];
  return s;
}

ConstTensor like(const ConstTensor& t, Shape dims) {
  ConstTensor o;
  o.is_float = t.is_float;
  o.onnx_type = t.onnx_type;
  o.dims = std::move(dims);
  return o;
}

void push(ConstTensor& o, const ConstTensor& t, int64_t k) {
  if (t.is_float)
    o.f.push_back(t.f[size_t(k)]);
  else
    o.i.push_back(t.i[size_t(k)]);
}

const ConstTensor& need(const NodeRef& n, const std::vector<const ConstTensor*>& in, size_t k) {
  if (k >= in.size() || in[k] == nullptr) n.fail(fmt::format("input {} is missing", k));
  return *in[k];
}

Ints as_ints(const NodeRef& n, const ConstTensor& t, const char* what) {
  if (t.is_float) n.fail(fmt::format("{} must be integers", what));
  return t.i;
}

// Every output element picks one input element: the gather-style ops (Gather, Slice,
// Transpose, Concat) are written as an index map.
template <typename F>
ConstTensor gather_map(const ConstTensor& t, Shape dims, int64_t max_elements, const NodeRef& n, F source_of) {
  ConstTensor o = like(t, dims);
  const int64_t total = checked_numel(dims, max_elements, n.file + ": node '" + n.name() + "' (" + n.op() + ")");
  const Ints os = strides_of(dims);
  Ints idx(dims.size());
  for (int64_t k = 0; k < total; ++k) {
    int64_t r = k;
    for (size_t d = 0; d < dims.size(); ++d) {
      idx[d] = r / os[d];
      r %= os[d];
    }
    push(o, t, source_of(idx));
  }
  return o;
}

Shape broadcast(const NodeRef& n, const Shape& a, const Shape& b) {
  const size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t d = 0; d < r; ++d) {
    const int64_t x = d + a.size() >= r ? a[d + a.size() - r] : 1;
    const int64_t y = d + b.size() >= r ? b[d + b.size() - r] : 1;
    if (x != y && x != 1 && y != 1)
      n.fail(fmt::format("shapes {} and {} do not broadcast", shape_to_string(a), shape_to_string(b)));
    out[d] = x == 1 ? y : x;
  }
  return out;
}

// Flat index into `t` (broadcast to `out`) of the output multi-index.
int64_t broadcast_index(const Shape& dims, const Ints& strides, const Ints& idx) {
  int64_t k = 0;
  const size_t off = idx.size() - dims.size();
  for (size_t d = 0; d < dims.size(); ++d)
    if (dims[d] != 1) k += idx[d + off] * strides[d];
  return k;
}

template <typename Op>
ConstTensor elementwise(const NodeRef& n, const std::vector<const ConstTensor*>& in, int64_t max_elements,
                        bool bool_result, Op op) {
  const ConstTensor& a = need(n, in, 0);
  const ConstTensor& b = need(n, in, 1);
  if (a.is_float != b.is_float)
    n.fail(fmt::format("inputs of types {} and {} differ", onnx_type_name(a.onnx_type), onnx_type_name(b.onnx_type)));
  const Shape dims = broadcast(n, a.dims, b.dims);
  const int64_t total = checked_numel(dims, max_elements, n.file + ": node '" + n.name() + "' (" + n.op() + ")");
  ConstTensor o = bool_result ? ConstTensor::ints(dims, {}, onnx::TensorProto::BOOL) : like(a, dims);
  const Ints os = strides_of(dims), as = strides_of(a.dims), bs = strides_of(b.dims);
  Ints idx(dims.size());
  for (int64_t k = 0; k < total; ++k) {
    int64_t r = k;
    for (size_t d = 0; d < dims.size(); ++d) {
      idx[d] = r / os[d];
      r %= os[d];
    }
    const int64_t ka = broadcast_index(a.dims, as, idx), kb = broadcast_index(b.dims, bs, idx);
    if (a.is_float) {
      const float v = op(a.f[size_t(ka)], b.f[size_t(kb)]);
      if (bool_result)
        o.i.push_back(v != 0.0f ? 1 : 0);
      else
        o.f.push_back(v);
    } else {
      const int64_t x = a.i[size_t(ka)], y = b.i[size_t(kb)];
      if (!bool_result && n.op() == "Div" && y == 0) n.fail("integer division by zero");
      o.i.push_back(int64_t(op(x, y)));
    }
  }
  return o;
}

}  // namespace

const std::vector<std::string>& foldable_ops() {
  static const std::vector<std::string> ops = {
      "Add",       "Cast", "Concat", "ConstantOfShape", "Div",   "Dropout", "Equal", "Flatten", "Gather", "Identity",
      "Mul",       "Neg",  "Range",  "Reshape",         "Shape", "Size",    "Slice", "Squeeze", "Sub",    "Transpose",
      "Unsqueeze", "Where"};
  return ops;
}

ConstTensor constant_value(const NodeRef& n, TensorSource& source) {
  if (n.node.attribute_size() != 1) n.fail("a Constant needs exactly one value attribute");
  const onnx::AttributeProto& a = n.node.attribute(0);
  if (a.name() == "value" && a.type() == onnx::AttributeProto::TENSOR)
    return read_tensor(a.t(), source, "node '" + n.name() + "' (Constant) value");
  if (a.name() == "value_float" && a.type() == onnx::AttributeProto::FLOAT) return ConstTensor::floats({}, {a.f()});
  if (a.name() == "value_floats" && a.type() == onnx::AttributeProto::FLOATS)
    return ConstTensor::floats({int64_t(a.floats_size())}, {a.floats().begin(), a.floats().end()});
  if (a.name() == "value_int" && a.type() == onnx::AttributeProto::INT) return ConstTensor::ints({}, {a.i()});
  if (a.name() == "value_ints" && a.type() == onnx::AttributeProto::INTS)
    return ConstTensor::ints({int64_t(a.ints_size())}, {a.ints().begin(), a.ints().end()});
  n.unsupported_attribute(a.name(), "(of its type)", "value, value_float, value_floats, value_int, value_ints");
}

bool fold_node(const NodeRef& n, const std::vector<const ConstTensor*>& in, int opset, int64_t max_elements,
               std::vector<ConstTensor>& out) {
  const std::string& op = n.op();
  const std::string what = n.file + ": node '" + n.name() + "' (" + op + ")";
  if (op == "Identity" || op == "Dropout") {
    out.push_back(need(n, in, 0));
    if (op == "Dropout" && n.node.output_size() > 1) {
      ConstTensor mask = ConstTensor::ints(in[0]->dims, Ints(size_t(in[0]->size()), 1), onnx::TensorProto::BOOL);
      out.push_back(std::move(mask));
    }
  } else if (op == "Shape" || op == "Size") {
    const ConstTensor& t = need(n, in, 0);
    if (op == "Size") {
      out.push_back(ConstTensor::ints({}, {t.size()}));
    } else {
      const int64_t r = int64_t(t.dims.size());
      int64_t start = n.get_int("start", 0), end = n.get_int("end", r);
      start = std::clamp<int64_t>(start < 0 ? start + r : start, 0, r);
      end = std::clamp<int64_t>(end < 0 ? end + r : end, 0, r);
      Ints dims(t.dims.begin() + start, t.dims.begin() + std::max(start, end));
      out.push_back(ConstTensor::ints({int64_t(dims.size())}, dims));
    }
  } else if (op == "Cast") {
    const ConstTensor& t = need(n, in, 0);
    const int to = int(n.get_int("to", 0));
    ConstTensor o;
    o.dims = t.dims;
    o.onnx_type = to;
    if (to == onnx::TensorProto::FLOAT) {
      for (int64_t k = 0; k < t.size(); ++k) o.f.push_back(t.is_float ? t.f[size_t(k)] : float(t.i[size_t(k)]));
    } else if (to == onnx::TensorProto::INT64 || to == onnx::TensorProto::INT32 || to == onnx::TensorProto::BOOL ||
               to == onnx::TensorProto::INT8 || to == onnx::TensorProto::UINT8) {
      o.is_float = false;
      for (int64_t k = 0; k < t.size(); ++k) {
        if (t.is_float && !std::isfinite(t.f[size_t(k)])) n.fail("casts a non-finite value to an integer");
        const int64_t v = t.is_float ? int64_t(t.f[size_t(k)]) : t.i[size_t(k)];
        o.i.push_back(to == onnx::TensorProto::BOOL ? (v != 0 || (t.is_float && t.f[size_t(k)] != 0.0f)) : v);
      }
    } else {
      n.unsupported_attribute("to", onnx_type_name(to), "FLOAT, INT64, INT32, INT8, UINT8, BOOL");
    }
    out.push_back(std::move(o));
  } else if (op == "ConstantOfShape") {
    const Ints dims = as_ints(n, need(n, in, 0), "the shape");
    const int64_t total = checked_numel(dims, max_elements, what);
    ConstTensor value = ConstTensor::floats({1}, {0.0f});
    if (const auto* a = n.find("value")) {
      TensorSource none{n.file, {}, 0};
      value = read_tensor(a->t(), none, "node '" + n.name() + "' (ConstantOfShape) value");
      if (value.size() != 1) n.fail("its value must hold one element");
    }
    ConstTensor o = like(value, dims);
    for (int64_t k = 0; k < total; ++k) push(o, value, 0);
    out.push_back(std::move(o));
  } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
    const char c = op[0];
    out.push_back(elementwise(n, in, max_elements, false, [c](auto x, auto y) {
      return c == 'A' ? x + y : c == 'S' ? x - y : c == 'M' ? x * y : x / y;
    }));
  } else if (op == "Equal") {
    out.push_back(elementwise(n, in, max_elements, true, [](auto x, auto y) { return decltype(x)(x == y); }));
  } else if (op == "Neg") {
    ConstTensor o = need(n, in, 0);
    for (float& v : o.f) v = -v;
    for (int64_t& v : o.i) v = -v;
    out.push_back(std::move(o));
  } else if (op == "Where") {
    const ConstTensor& c = need(n, in, 0);
    const ConstTensor& x = need(n, in, 1);
    const ConstTensor& y = need(n, in, 2);
    if (x.is_float != y.is_float || c.is_float) n.fail("input types do not fit Where");
    const Shape dims = broadcast(n, broadcast(n, c.dims, x.dims), y.dims);
    const int64_t total = checked_numel(dims, max_elements, what);
    const Ints cs = strides_of(c.dims), xs = strides_of(x.dims), ys = strides_of(y.dims), os = strides_of(dims);
    ConstTensor o = like(x, dims);
    Ints idx(dims.size());
    for (int64_t k = 0; k < total; ++k) {
      int64_t r = k;
      for (size_t d = 0; d < dims.size(); ++d) {
        idx[d] = r / os[d];
        r %= os[d];
      }
      const bool pick = c.i[size_t(broadcast_index(c.dims, cs, idx))] != 0;
      push(o, pick ? x : y, pick ? broadcast_index(x.dims, xs, idx) : broadcast_index(y.dims, ys, idx));
    }
    out.push_back(std::move(o));
  } else if (op == "Gather") {
    const ConstTensor& t = need(n, in, 0);
    const Ints indices = as_ints(n, need(n, in, 1), "the indices");
    const Shape& idims = in[1]->dims;
    if (t.dims.empty()) n.fail("gathers from a scalar");
    const int axis = normalize_axis(n, n.get_int("axis", 0), t.dims.size());
    Shape dims(t.dims.begin(), t.dims.begin() + axis);
    dims.insert(dims.end(), idims.begin(), idims.end());
    dims.insert(dims.end(), t.dims.begin() + axis + 1, t.dims.end());
    const Ints ts = strides_of(t.dims);
    out.push_back(gather_map(t, dims, max_elements, n, [&](const Ints& idx) {
      int64_t k = 0;
      for (int d = 0; d < axis; ++d) k += idx[size_t(d)] * ts[size_t(d)];
      int64_t flat = 0;  // position in `indices`
      for (size_t d = 0; d < idims.size(); ++d) flat = flat * idims[d] + idx[size_t(axis) + d];
      int64_t g = indices[size_t(flat)];
      if (g < 0) g += t.dims[size_t(axis)];
      if (g < 0 || g >= t.dims[size_t(axis)]) n.fail(fmt::format("index {} is out of range", indices[size_t(flat)]));
      k += g * ts[size_t(axis)];
      for (size_t d = size_t(axis) + 1; d < t.dims.size(); ++d) k += idx[d - 1 + idims.size()] * ts[d];
      return k;
    }));
  } else if (op == "Concat") {
    std::vector<const ConstTensor*> parts;
    for (size_t k = 0; k < in.size(); ++k) parts.push_back(&need(n, in, k));
    if (parts.empty()) n.fail("has no inputs");
    const int axis = normalize_axis(n, n.get_int("axis", 0), parts[0]->dims.size());
    Shape dims = parts[0]->dims;
    dims[size_t(axis)] = 0;
    for (const ConstTensor* p : parts) {
      if (p->dims.size() != dims.size() || p->is_float != parts[0]->is_float)
        n.fail("inputs of different ranks or types");
      for (size_t d = 0; d < dims.size(); ++d)
        if (int(d) != axis && p->dims[d] != dims[d]) n.fail("input shapes differ outside the axis");
      dims[size_t(axis)] += p->dims[size_t(axis)];
    }
    ConstTensor o = like(*parts[0], dims);
    const int64_t outer = numel(Shape(dims.begin(), dims.begin() + axis));
    checked_numel(dims, max_elements, what);
    for (int64_t q = 0; q < outer; ++q)
      for (const ConstTensor* p : parts) {
        const int64_t block = numel(Shape(p->dims.begin() + axis, p->dims.end()));
        for (int64_t k = 0; k < block; ++k) push(o, *p, q * block + k);
      }
    out.push_back(std::move(o));
  } else if (op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze") {
    ConstTensor o = need(n, in, 0);
    o.dims = reshape_result(n, o.dims, in, opset);
    out.push_back(std::move(o));
  } else if (op == "Transpose") {
    const ConstTensor& t = need(n, in, 0);
    Ints perm = n.get_ints("perm", {});
    if (perm.empty())
      for (size_t d = t.dims.size(); d-- > 0;) perm.push_back(int64_t(d));
    Ints sorted = perm;
    std::sort(sorted.begin(), sorted.end());
    for (size_t d = 0; d < sorted.size(); ++d)
      if (sorted[d] != int64_t(d) || sorted.size() != t.dims.size())
        n.fail("perm " + join_ints(perm) + " is not a permutation of the axes");
    Shape dims;
    for (int64_t p : perm) dims.push_back(t.dims[size_t(p)]);
    const Ints ts = strides_of(t.dims);
    out.push_back(gather_map(t, dims, max_elements, n, [&](const Ints& idx) {
      int64_t k = 0;
      for (size_t d = 0; d < perm.size(); ++d) k += idx[d] * ts[size_t(perm[d])];
      return k;
    }));
  } else if (op == "Slice") {
    const ConstTensor& t = need(n, in, 0);
    const SliceSpec s = slice_spec(n, t.dims, in, opset);
    Shape dims;
    for (size_t d = 0; d < t.dims.size(); ++d) dims.push_back(s.count[d]);
    const Ints ts = strides_of(t.dims);
    out.push_back(gather_map(t, dims, max_elements, n, [&](const Ints& idx) {
      int64_t k = 0;
      for (size_t d = 0; d < idx.size(); ++d) k += (s.start[d] + idx[d] * s.step[d]) * ts[d];
      return k;
    }));
  } else if (op == "Range") {
    const ConstTensor& a = need(n, in, 0);
    const ConstTensor& b = need(n, in, 1);
    const ConstTensor& d = need(n, in, 2);
    if (a.size() != 1 || b.size() != 1 || d.size() != 1) n.fail("start, limit and delta must be scalars");
    const double start = a.at(0), limit = b.at(0), delta = d.at(0);
    if (delta == 0 || !std::isfinite(start) || !std::isfinite(limit) || !std::isfinite(delta))
      n.fail("delta is 0 or a bound is not finite");
    const double count = std::max(0.0, std::ceil((limit - start) / delta));
    if (count > double(max_elements)) n.fail(fmt::format("more than {} elements", max_elements));
    ConstTensor o = like(a, {int64_t(count)});
    for (int64_t k = 0; k < int64_t(count); ++k) {
      if (a.is_float)
        o.f.push_back(float(a.f[0] + float(k) * d.f[0]));
      else
        o.i.push_back(a.i[0] + k * d.i[0]);
    }
    out.push_back(std::move(o));
  } else {
    return false;
  }
  return true;
}

}  // namespace faultbench::onnx_import
