// Shape rules shared by the constant evaluator and the mapping of dynamic values (internal
// to src/onnx): what Slice selects and what Reshape, Flatten, Squeeze and Unsqueeze produce,
// for constant or dynamic data alike (the other inputs must be constants).
#pragma once
#include <cstdint>
#include <vector>

#include "const_tensor.h"
#include "node_util.h"

namespace faultbench::onnx_import {

// An axis in [-rank, rank) made non-negative; fails naming the node otherwise.
int normalize_axis(const NodeRef& n, int64_t axis, size_t rank);

// Per axis of the data: first index, step and element count (all axes, untouched ones
// whole with step 1), clamped as ONNX defines it.
struct SliceSpec {
  std::vector<int64_t> start, step, count;
};
SliceSpec slice_spec(const NodeRef& n, const Shape& dims, const std::vector<const ConstTensor*>& in, int opset);

// The output dims of Reshape / Flatten / Squeeze / Unsqueeze on data of `dims`.
Shape reshape_result(const NodeRef& n, const Shape& dims, const std::vector<const ConstTensor*>& in, int opset);

}  // namespace faultbench::onnx_import
