// Reading PyTorch checkpoints without Python.
//
// Three container formats are recognised by their first bytes:
//  - zip (torch.save since PyTorch 1.6): <dir>/data.pkl + <dir>/data/<storage key>;
//  - legacy (torch.save before 1.6, e.g. the reference .th files): magic-number pickle,
//    protocol version, sys_info, the object pickle, the storage key list, raw storages;
//  - safetensors (see safetensors.h).
// The pickles are read by a safe unpickler that only understands what a state dict needs
// (dicts, OrderedDict, tensors rebuilt from storages, numbers, strings) and rejects any
// other global with a FormatError; nothing is ever executed or instantiated.
//
// A wrapping dict is unwrapped: if the top-level dict has a "state_dict", "model" or "net"
// entry (checked in that order) whose value is a dict, that dict is the state dict.
// Keys are kept as stored (load_state_dict strips "module.").
//
// Memory: the readers hold no whole file, only the pickles (at most 32 MB; their objects at
// most 64 MB), a safetensors header's entries, and the values they read. Given the model,
// a reader lists every entry (key, dtype, shape) but reads values only for the entries
// the model needs (key without "module.", same shape, floating dtype; once per name), and
// reads each storage only as far as those tensors view it: memory is then bounded by the
// model's size plus a constant, whatever the file holds or declares. Without a model every
// floating entry is read.
#pragma once
#include <filesystem>

#include "faultbench/graph.h"
#include "faultbench/io/state_dict.h"

namespace faultbench {

// Sniffs the format and dispatches. Throws IoError when the file cannot be read and
// FormatError (naming the file and byte offset or entry) when it is malformed.
StateDict read_checkpoint(const std::filesystem::path& path, const Graph* model = nullptr);
// What load_state_dict(model, ...) needs, and no more (see above).
inline StateDict read_checkpoint(const std::filesystem::path& path, const Graph& model) {
  return read_checkpoint(path, &model);
}

StateDict read_torch_zip(const std::filesystem::path& path, const Graph* model = nullptr);
StateDict read_torch_legacy(const std::filesystem::path& path, const Graph* model = nullptr);

}  // namespace faultbench
