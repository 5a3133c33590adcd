// A safe, non-executing unpickler for PyTorch state dicts (internal to src/io).
//
// It is a small stack machine over the pickle opcodes that torch.save emits (protocols
// 2..5). Objects live in an arena (referenced by index), so memo references (BINGET,
// DUP), shared tuples and even cycles cost nothing: a value is never copied when it is
// reused, and nothing recurses. Whatever the unpickler does allocate (objects, strings,
// container slots, memo and dict index entries, storage and tensor records) is charged to
// a PickleBudget, so a hostile pickle cannot take more memory than the budget however it
// combines its opcodes; the error names the limit. Only these globals
// exist: collections.OrderedDict, torch._utils._rebuild_tensor(_v2), _rebuild_parameter
// and the torch.*Storage classes; REDUCE/NEWOBJ only apply the first three, which build
// plain data (a dict, a tensor reference). Persistent ids of the torch form
// ('storage', StorageClass, key, location, numel[, view_metadata]) become Storage objects;
// the caller reads their bytes. Every error is a FormatError
//   "<source>: pickle offset <byte>: <rule>".
#pragma once
#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "faultbench/tensor.h"

namespace faultbench::io {

// `s` for a message: at most `max` bytes of it, marked when cut (a hostile pickle's
// strings can be megabytes long).
inline std::string clip(std::string_view s, size_t max = 80) {
  return s.size() <= max ? std::string(s) : std::string(s.substr(0, max)) + "...";
}

enum class PyKind : uint8_t { None, Bool, Int, BigInt, Float, Str, Bytes, Tuple, List, Dict, Global, Storage, Tensor };

enum class GlobalId : uint8_t { OrderedDict, RebuildTensor, RebuildTensorV2, RebuildParameter, StorageClass };

// Element type of a torch storage class.
struct DType {
  std::string name;  // "float32", ...
  int itemsize = 0;
};

// A storage named by a persistent id. A legacy view (view_metadata) is a window of
// `numel` elements starting `offset` elements into the root storage `key`.
struct StorageRef {
  std::string key;  // root storage key (file name in the zip, key in legacy files)
  DType dtype;
  int64_t root_numel = 0;  // elements of the root storage, as declared
  int64_t offset = 0;      // elements; 0 unless a legacy view
  int64_t numel = 0;       // elements visible through this reference
};

// torch._utils._rebuild_tensor(_v2)(storage, offset, size, stride, ...).
struct TensorRef {
  int storage = -1;    // index into Unpickler::storages()
  int64_t offset = 0;  // elements, relative to the storage reference
  Shape size, stride;
};

struct PyObject {
  PyKind kind = PyKind::None;
  int64_t i = 0;                            // Int, Bool; Storage/Tensor: index into storages()/tensors()
  double f = 0;                             // Float
  std::string s;                            // Str, Bytes; BigInt: little-endian two's complement bytes
  std::vector<int> items;                   // Tuple/List: elements; Dict: key0, value0, key1, value1, ...
  GlobalId global = GlobalId::OrderedDict;  // Global
  DType storage_dtype;                      // Global StorageClass
  std::string global_name;                  // Global: "module.name" for messages
  std::unique_ptr<std::unordered_map<std::string, size_t>> str_index;  // Dict: str key -> items pos
};

// Bytes the unpicklers of one checkpoint may allocate, shared by the several pickles of a
// legacy file. A ResNet state dict needs well under 1 MB, a DenseNet161 one a few MB.
class PickleBudget {
 public:
  static constexpr uint64_t kDefaultBytes = uint64_t(64) << 20;
  explicit PickleBudget(uint64_t bytes = kDefaultBytes) : limit_(bytes) {}
  // False (and nothing charged) when `n` more bytes would pass the limit.
  bool charge(uint64_t n) {
    if (n > limit_ - used_) return false;
    used_ += n;
    return true;
  }
  uint64_t limit() const { return limit_; }
  uint64_t used() const { return used_; }
  // Back to an earlier used() once what was charged since is freed.
  void refund_to(uint64_t used) { used_ = std::min(used_, used); }

 private:
  uint64_t limit_;
  uint64_t used_ = 0;
};

class Unpickler {
 public:
  // `data` is the pickle (it may continue past STOP); `base_offset` is its position in
  // the file, so that messages give file offsets. `budget` (the unpickler's own when
  // null) bounds what it allocates and must outlive it.
  Unpickler(std::span<const uint8_t> data, std::string source, uint64_t base_offset = 0,
            PickleBudget* budget = nullptr);
  // The caller cut `data` short at the pickle size limit `limit` (the file goes on):
  // running out of bytes is then reported as that limit, not as a truncated file.
  void set_cut_at_limit(uint64_t limit) { cut_limit_ = limit; }

  // Runs to STOP; returns the id of the resulting object.
  int run();
  // Bytes consumed, STOP included (valid after run()).
  size_t consumed() const { return pos_; }
  // True when run() failed for want of bytes past the end of `data`.
  bool ran_out() const { return ran_out_; }

  const PyObject& obj(int id) const { return objects_.at(size_t(id)); }
  const std::vector<StorageRef>& storages() const { return storages_; }
  const std::vector<TensorRef>& tensors() const { return tensors_; }
  const std::string& source() const { return source_; }

  // Value of a Dict's str key, or nullopt.
  std::optional<int> dict_get(int dict, const std::string& key) const;
  // "dict", "str", ... for messages.
  static const char* kind_name(PyKind kind);

  static constexpr size_t kMaxStack = 1u << 20;
  static constexpr size_t kMaxMarks = 1u << 12;
  static constexpr size_t kMaxMemo = 1u << 21;
  static constexpr size_t kMaxRank = 16;
  // Longest pickle a checkpoint may hold (data.pkl, or the pickles of a legacy file
  // together): a DenseNet161 state dict pickles to ~100 KB.
  static constexpr uint64_t kMaxPickleBytes = uint64_t(32) << 20;

 private:
  [[noreturn]] void fail(const std::string& what) const;
  void charge(uint64_t bytes);
  const uint8_t* take(size_t n);
  uint64_t read_uint(size_t n);
  std::string read_line();
  int make(PyObject o);
  int make_int(int64_t v);
  int make_str(PyKind kind, size_t len);
  int pop();
  int top() const;
  void push(int id);
  std::vector<int> pop_mark();
  int make_global(const std::string& module, const std::string& name);
  int persistent_load(int pid);
  int reduce(int callable, int args);
  void set_item(int dict, int key, int value);
  const PyObject& expect(int id, PyKind kind, const char* what) const;
  int64_t expect_int(int id, const char* what) const;
  Shape expect_int_tuple(int id, const char* what) const;

  std::span<const uint8_t> data_;
  std::string source_;
  uint64_t base_ = 0;
  size_t pos_ = 0;
  size_t op_pos_ = 0;  // position of the opcode being executed (for messages)
  PickleBudget own_budget_;
  PickleBudget* budget_;
  uint64_t cut_limit_ = 0;
  bool ran_out_ = false;
  std::deque<PyObject> objects_;  // a deque: references stay valid while objects are added
  std::vector<int> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint32_t, int> memo_;
  std::vector<StorageRef> storages_;
  std::unordered_map<std::string, int> storage_by_key_;  // root key -> first StorageRef
  std::vector<TensorRef> tensors_;
};

}  // namespace faultbench::io
