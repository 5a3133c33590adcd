#include "shape_rules.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

namespace faultbench::onnx_import {

namespace {

using Ints = std::vector<int64_t>;

// An integer input k (a constant), or the attribute `name` when the opset predates it.
Ints ints_input_or_attribute(const NodeRef& n, const std::vector<const ConstTensor*>& in, size_t k, bool from_input,
                             const std::string& name, Ints fallback) {
  if (!from_input) return n.get_ints(name, std::move(fallback));
  if (k >= in.size() || in[k] == nullptr) return fallback;
  if (in[k]->is_float) n.fail(fmt::format("input {} ({}) must be integers", k, name));
  return in[k]->i;
}

// Shape of Reshape: 0 copies the input's dim (unless allowzero), one -1 takes the rest.
Shape reshape_dims(const NodeRef& n, const Shape& in, const Ints& target, bool allowzero) {
  Shape out(target.size());
  int64_t known = 1, infer = -1;
  const int64_t total = numel(in);
  for (size_t d = 0; d < target.size(); ++d) {
    int64_t v = target[d];
    if (v == 0 && !allowzero) {
      if (d >= in.size())
        n.fail(fmt::format("shape {} copies dimension {} of a rank-{} input", join_ints(target), d, in.size()));
      v = in[d];
    }
    if (v == -1) {
      if (infer >= 0) n.fail("shape " + join_ints(target) + " has two -1");
      infer = int64_t(d);
      continue;
    }
    if (v < 0) n.fail("shape " + join_ints(target) + " has a negative dimension");
    out[d] = v;
    if (v != 0 && known > std::numeric_limits<int32_t>::max() / v)
      n.fail("shape " + join_ints(target) + " is too large");
    known *= v;
  }
  if (infer >= 0) {
    if (known == 0 || total % known != 0)
      n.fail(fmt::format("cannot reshape {} to {}", shape_to_string(in), join_ints(target)));
    out[size_t(infer)] = total / known;
  } else if (known != total) {
    n.fail(fmt::format("cannot reshape {} ({} elements) to {}", shape_to_string(in), total, join_ints(target)));
  }
  return out;
}

}  // namespace

int normalize_axis(const NodeRef& n, int64_t axis, size_t rank) {
  const int64_t r = int64_t(rank);
  if (axis < -r || axis >= r) n.fail(fmt::format("axis {} is out of range for rank {}", axis, rank));
  return int(axis < 0 ? axis + r : axis);
}

SliceSpec slice_spec(const NodeRef& n, const Shape& dims, const std::vector<const ConstTensor*>& in, int opset) {
  const bool inputs = opset >= 10;
  const Ints starts = ints_input_or_attribute(n, in, 1, inputs, "starts", {});
  const Ints ends = ints_input_or_attribute(n, in, 2, inputs, "ends", {});
  Ints axes = ints_input_or_attribute(n, in, 3, inputs, "axes", {});
  Ints steps = inputs ? ints_input_or_attribute(n, in, 4, true, "steps", {}) : Ints{};
  if (axes.empty())
    for (size_t d = 0; d < starts.size(); ++d) axes.push_back(int64_t(d));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (starts.size() != ends.size() || axes.size() != starts.size() || steps.size() != starts.size())
    n.fail("starts, ends, axes and steps differ in length");
  SliceSpec s;
  for (int64_t d : dims) {
    s.start.push_back(0);
    s.step.push_back(1);
    s.count.push_back(d);
  }
  std::vector<bool> seen(dims.size(), false);
  for (size_t k = 0; k < axes.size(); ++k) {
    const int a = normalize_axis(n, axes[k], dims.size());
    if (seen[size_t(a)]) n.fail(fmt::format("axis {} is sliced twice", a));
    seen[size_t(a)] = true;
    const int64_t dim = dims[size_t(a)], step = steps[k];
    if (step == 0) n.fail("a step is 0");
    auto clamp = [&](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0) v = v < -dim ? lo : v + dim;  // no overflow: v >= -dim before adding
      return std::clamp(v, lo, hi);
    };
    int64_t b = 0, e = 0;
    if (step > 0) {
      b = clamp(starts[k], 0, dim);
      e = clamp(ends[k], 0, dim);
    } else {
      b = clamp(starts[k], -1, dim - 1);
      e = clamp(ends[k], -1, dim - 1);
    }
    const int64_t span = step > 0 ? e - b : b - e;
    const int64_t mag =
        step > 0 ? step : (step == std::numeric_limits<int64_t>::min() ? std::numeric_limits<int64_t>::max() : -step);
    s.start[size_t(a)] = b;
    s.step[size_t(a)] = step;
    s.count[size_t(a)] = span <= 0 ? 0 : (span - 1) / mag + 1;
  }
  return s;
}

Shape reshape_result(const NodeRef& n, const Shape& dims, const std::vector<const ConstTensor*>& in, int opset) {
  const std::string& op = n.op();
  if (op == "Reshape") {
    if (opset < 5) n.fail("Reshape before opset 5 is not supported");
    const Ints target = ints_input_or_attribute(n, in, 1, true, "shape", {});
    if (in.size() < 2 || in[1] == nullptr) n.fail("the shape input is missing");
    return reshape_dims(n, dims, target, n.get_int("allowzero", 0) != 0);
  }
  if (op == "Flatten") {
    const int64_t r = int64_t(dims.size());
    int64_t axis = n.get_int("axis", 1);
    if (axis < -r || axis > r) n.fail(fmt::format("axis {} is out of range for rank {}", axis, r));
    if (axis < 0) axis += r;
    return {numel(Shape(dims.begin(), dims.begin() + axis)), numel(Shape(dims.begin() + axis, dims.end()))};
  }
  const Ints axes = ints_input_or_attribute(n, in, 1, opset >= 13, "axes", {});
  if (op == "Squeeze") {
    std::vector<bool> drop(dims.size(), false);
    if (axes.empty())
      for (size_t d = 0; d < dims.size(); ++d) drop[d] = dims[d] == 1;
    for (int64_t a : axes) {
      const int d = normalize_axis(n, a, dims.size());
      if (dims[size_t(d)] != 1) n.fail(fmt::format("squeezes axis {} of size {}", d, dims[size_t(d)]));
      drop[size_t(d)] = true;
    }
    Shape out;
    for (size_t d = 0; d < dims.size(); ++d)
      if (!drop[d]) out.push_back(dims[d]);
    return out;
  }
  // Unsqueeze: the axes index the output.
  const size_t rank = dims.size() + axes.size();
  std::vector<bool> inserted(rank, false);
  for (int64_t a : axes) {
    const int d = normalize_axis(n, a, rank);
    if (inserted[size_t(d)]) n.fail(fmt::format("axis {} is given twice", d));
    inserted[size_t(d)] = true;
  }
  Shape out;
  size_t k = 0;
  for (size_t d = 0; d < rank; ++d) out.push_back(inserted[d] ? 1 : dims[k++]);
  return out;
}

}  // namespace faultbench::onnx_import
