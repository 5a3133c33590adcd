// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length, a JSON header {name: {dtype, shape, data_offsets}, and
// optional "__metadata__": {str: str}}, then the raw little-endian tensor bytes.
#pragma once
#include <filesystem>
#include <map>
#include <string>

#include "faultbench/graph.h"
#include "faultbench/io/state_dict.h"

namespace faultbench {

// Validates the header (length bounded by 100 MB and by the file, JSON well formed and
// nested at most 64 deep, at most 100,000 tensors with distinct names of at most 1024
// bytes (16 MB together), known dtypes, data_offsets inside the buffer, in order, non-overlapping and
// covering it), then reads the tensors `model` needs (every floating one without a model;
// see checkpoint.h). The header is parsed as it streams from the file, entry by entry: its
// memory is its entries', not its size.
StateDict read_safetensors(const std::filesystem::path& path, const Graph* model = nullptr);

// The "__metadata__" map of a safetensors file (empty when absent).
std::map<std::string, std::string> read_safetensors_metadata(const std::filesystem::path& path);

// Writes every graph parameter in state_dict order: F32 for weights and buffers,
// num_batches_tracked as an I64 scalar 0. Written atomically (temporary file, fsync, rename).
void write_safetensors(const Graph& graph, const std::filesystem::path& path,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace faultbench
