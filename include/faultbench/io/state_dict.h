// A checkpoint's tensors as read from a file, and strict loading of them into a Graph.
//
// Readers (checkpoint.h, safetensors.h) produce a StateDict; load_state_dict() matches it
// against the graph's parameters by PyTorch state_dict key, exactly like PyTorch's
// load_state_dict(strict=True), with two conveniences the reference checkpoints need:
// a "module." prefix (saved from DataParallel) is stripped, and a missing
// num_batches_tracked buffer is allowed (the reference .th files have none).
#pragma once
#include <string>
#include <vector>

#include "faultbench/graph.h"
#include "faultbench/tensor.h"

namespace faultbench {

struct StateDictEntry {
  std::string key;    // as stored in the file (possibly with "module.")
  std::string dtype;  // "float32", "float64", "float16", "bfloat16", "int64", "int32", ..., "bool"
  Shape shape;        // PyTorch shape; [] for a 0-dim tensor
  Tensor value;       // fp32 copy for floating dtypes (shape == this->shape); empty for integer ones
};

struct StateDict {
  std::string source;                   // file name used in messages ("ResNet20.th")
  std::string format;                   // "torch-zip", "torch-legacy" or "safetensors" (empty when built by hand)
  std::vector<StateDictEntry> entries;  // in file order

  // Entry with exactly this key, or nullptr.
  const StateDictEntry* find(const std::string& key) const;
};

// True for "float32", "float64", "float16", "bfloat16".
bool is_floating_dtype(const std::string& dtype);

// Copies every parameter of `graph` from `sd`. Strict: each graph parameter (except
// num_batches_tracked) must be present with the same shape and a floating dtype, and
// no key may be left over. Nothing is modified unless everything matches. Errors throw
// FormatError naming the file, the key and both shapes, e.g.
//   "ResNet20.th: state_dict key 'layer1.0.bn1.weight': expected shape [16], found [32]".
void load_state_dict(Graph& graph, const StateDict& sd);

}  // namespace faultbench
