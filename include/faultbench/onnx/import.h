// Importing a CNN classifier from an ONNX file into the graph IR (docs/ONNX.md).
//
// The file is parsed with ONNX's own protobuf classes (Debian's libonnx-dev), within limits
// that keep a hostile file from taking memory out of proportion: the file size, the node
// count, and every tensor's element count against the bytes that hold it. Subgraphs whose
// inputs are constants or static shapes (the shape arithmetic PyTorch's F.pad emits) are
// evaluated once at import into constants, by one evaluator (Shape, Gather, Cast, Concat,
// Slice, Reshape, arithmetic, ...); every remaining node maps to one IR op or is refused.
//
// Parameters are the initializers that Conv, BatchNormalization, Gemm and MatMul read, in
// graph order, named as the exporter named them (PyTorch, exported without folding:
// "layer1.0.conv1.weight"), so that fault lists, --weights and the fault sampler address
// them exactly as they address the zoo's. Every error names the file, the node and its op.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "faultbench/graph.h"

namespace faultbench {

struct OnnxImportOptions {
  uint64_t max_file_bytes = uint64_t(1) << 31;       // the .onnx file (protobuf's own limit is 2 GiB)
  uint64_t max_external_bytes = uint64_t(4) << 30;   // all external-data files together
  int64_t max_nodes = 100'000;                       // graph nodes
  int64_t max_constant_elements = int64_t(1) << 26;  // one folded (computed) constant tensor
  std::string dataset;                               // recorded as Graph::dataset ("" when unknown)
};

// Reads PATH (and external data beside it: only regular files inside its folder, never
// through a link), folds constant subgraphs, maps nodes to the IR and returns the graph:
// model = the file's stem, classes = the output's elements per image (K for logits [N, K]). FormatError (naming PATH,
// the node's name and op type) for a malformed or unsupported model, IoError when a file
// cannot be read. The input may be [N, C, H, W], [N, C, H] or [N, C] (N fixed or symbolic)
// and the output of any shape: the verbs that classify ask for logits [N, K]
// (campaign/model_source.h).
Graph import_onnx(const std::filesystem::path& path, const OnnxImportOptions& options = {});

// The same from bytes already in memory (fuzzing, tests); `name` stands for the file in
// messages; external data is refused (there is no folder to read it from).
Graph import_onnx_bytes(std::string_view bytes, const std::string& name, const OnnxImportOptions& options = {});

// Warnings about an imported graph that are not errors: today, Conv layers that look as if
// their BatchNorm was folded into them by the exporter (a Conv with a bias and no
// BatchNormalization after it whose weight the exporter computed: PyTorch's "onnx::Conv_<n>").
// Faults in such a folded weight are not faults in the trained network's weight.
std::vector<std::string> onnx_graph_warnings(const Graph& graph);

// True when `model` names an ONNX file (ends in ".onnx", any case) rather than a zoo model.
bool is_onnx_model_path(std::string_view model);

}  // namespace faultbench
