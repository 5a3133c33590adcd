// Turning an unpickled torch object into a StateDict (internal to src/io), and what the
// three readers share: which tensors to read, dtype conversion.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "faultbench/io/state_dict.h"
#include "pickle.h"

namespace faultbench::io {

// Longest state dict key a reader accepts (PyTorch's are dotted module paths, < 200 bytes):
// keys are copied into the StateDict and into messages.
constexpr size_t kMaxKeyBytes = 1024;

// Which entries of a checkpoint to read. Every entry is listed (key, dtype, shape); values
// are read only for the selected ones, so that memory follows what the model needs, not
// what the file holds: with a model, an entry is selected when its key (without
// "module.") names a parameter of the same shape, its dtype is floating, and no earlier
// entry took that name (load_state_dict rejects everything else anyway).
class Selection {
 public:
  Selection() = default;  // every floating entry
  explicit Selection(const Graph* model);
  bool take(const std::string& key, const std::string& dtype, const Shape& shape);
  bool all() const { return all_; }

 private:
  bool all_ = true;
  std::unordered_map<std::string, Shape> wanted_;  // name -> shape, erased when taken
};

// Reading the bytes of root storages. check() validates a storage against its
// declaration without reading it (the entry exists, its size is the declared one);
// open() returns a stream over its bytes, read at offsets that never decrease.
class StorageStream {
 public:
  virtual ~StorageStream() = default;
  // Reads n bytes at byte `at` of the storage; `at` is at least the end of the last read.
  virtual void read(uint64_t at, uint8_t* dst, size_t n) = 0;
  // Called once all reads are done (a zip entry read to its end checks its CRC here).
  virtual void finish() {}
};
class StorageReader {
 public:
  virtual ~StorageReader() = default;
  virtual void check(const StorageRef& s) = 0;
  virtual std::unique_ptr<StorageStream> open(const StorageRef& s) = 0;
};

// Finds the state dict in `root` (unwrapping "state_dict"/"model"/"net"), checks every
// tensor's view against its storage (strides and offsets honoured, bounds checked), then
// copies the selected floating tensors into fp32, reading each root storage once, front
// to back, and only as far as those tensors need.
StateDict build_state_dict(const Unpickler& up, int root, const std::string& source, StorageReader& storages,
                           Selection& selection);

// Reads one little-endian element of a floating dtype ("float32", "float64", "float16",
// "bfloat16") as float.
using FloatLoader = float (*)(const uint8_t*);
FloatLoader float_loader(const std::string& dtype);

}  // namespace faultbench::io
