// Private to the executor: the operators of imported (ONNX) graphs (graph.h: Unary,
// Binary, Pad, Slice, Resize, Transpose, Softmax, Reshape), kept apart from the zoo's.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "faultbench/graph.h"

namespace faultbench {
class ThreadPool;
}

namespace faultbench::detail {

// Nodes whose output is the input's bytes: the executor aliases the buffer.
inline bool is_alias(OpKind kind) { return kind == OpKind::Flatten || kind == OpKind::Reshape; }

// The rules of one such node; `fail(rule)` throws.
void check_onnx_node(const Graph& g, const Node& n, const std::function<void(const std::string&)>& fail);

// Runs one such node on `batch` images (reference: the scalar loops alone, pool ignored).
void run_onnx_node(const Graph& g, const Node& n, const std::vector<const float*>& inputs, float* output, int batch,
                   ThreadPool* pool, bool reference);

// The broadcast description of a Binary node (operands in the kernel's order).
ops::BinaryShape binary_shape(const Graph& g, const Node& n, int batch);

}  // namespace faultbench::detail
