// The constant evaluator (internal to src/onnx): one general mechanism that turns every node
// whose inputs are all constants into constants, so that shape arithmetic (PyTorch's F.pad
// emits Shape, Gather, Cast, ConstantOfShape, Sub, Mul, Concat, Reshape, Slice, Transpose)
// disappears at import, whatever pattern produced it.
#pragma once
#include <string>
#include <vector>

#include "const_tensor.h"
#include "node_util.h"

namespace faultbench::onnx_import {

// The op types fold_node evaluates.
const std::vector<std::string>& foldable_ops();

// Evaluates node `n` on `inputs` (nullptr for an absent optional input) and returns its
// outputs, or false when its op type is not one the evaluator knows. Results larger than
// `max_elements` and malformed nodes fail naming the node.
bool fold_node(const NodeRef& n, const std::vector<const ConstTensor*>& inputs, int opset, int64_t max_elements,
               std::vector<ConstTensor>& outputs);

// Reads the attribute value of a Constant node (value, value_float(s), value_int(s)).
ConstTensor constant_value(const NodeRef& n, TensorSource& source);

}  // namespace faultbench::onnx_import
