// The torch part of the safe unpickler: the whitelist of globals, persistent ids
// (storages) and the only callables REDUCE may apply (OrderedDict, tensor rebuilding).
#include <fmt/format.h>

#include "faultbench/error.h"
#include "pickle.h"

namespace faultbench::io {
namespace {

// Storage classes a state dict may name, with their element types.
std::optional<DType> storage_dtype(const std::string& name) {
  static const std::unordered_map<std::string, DType> kTypes = {
      {"FloatStorage", {"float32", 4}},     {"DoubleStorage", {"float64", 8}}, {"HalfStorage", {"float16", 2}},
      {"BFloat16Storage", {"bfloat16", 2}}, {"LongStorage", {"int64", 8}},     {"IntStorage", {"int32", 4}},
      {"ShortStorage", {"int16", 2}},       {"CharStorage", {"int8", 1}},      {"ByteStorage", {"uint8", 1}},
      {"BoolStorage", {"bool", 1}},
  };
  auto it = kTypes.find(name);
  if (it == kTypes.end()) return std::nullopt;
  return it->second;
}

}  // namespace

int Unpickler::make_global(const std::string& module, const std::string& name) {
  PyObject o;
  o.kind = PyKind::Global;
  o.global_name = clip(module) + "." + clip(name);  // for messages
  if (module == "collections" && name == "OrderedDict") {
    o.global = GlobalId::OrderedDict;
  } else if (module == "torch._utils" && name == "_rebuild_tensor_v2") {
    o.global = GlobalId::RebuildTensorV2;
  } else if (module == "torch._utils" && name == "_rebuild_tensor") {
    o.global = GlobalId::RebuildTensor;
  } else if (module == "torch._utils" && name == "_rebuild_parameter") {
    o.global = GlobalId::RebuildParameter;
  } else if (auto dt = storage_dtype(name); module == "torch" && dt) {
    o.global = GlobalId::StorageClass;
    o.storage_dtype = *dt;
  } else {
    fail(
        fmt::format("global '{}' is not allowed in a state dict (only tensors, dicts, lists, strings and "
                    "numbers are read; save model.state_dict(), not the model)",
                    o.global_name));
  }
  return make(std::move(o));
}

// ('storage', StorageClass, key, location, numel[, view_metadata]) -> Storage object.
int Unpickler::persistent_load(int pid) {
  const PyObject& t = expect(pid, PyKind::Tuple, "persistent id");
  if (t.items.size() != 5 && t.items.size() != 6)
    fail(fmt::format("persistent id: expected 5 or 6 fields, found {}", t.items.size()));
  const PyObject& tag = expect(t.items[0], PyKind::Str, "persistent id tag");
  if (tag.s != "storage") fail(fmt::format("persistent id: unknown tag '{}'", clip(tag.s)));
  const PyObject& cls = expect(t.items[1], PyKind::Global, "persistent id storage type");
  if (cls.global != GlobalId::StorageClass)
    fail(fmt::format("persistent id: '{}' is not a storage type", cls.global_name));
  StorageRef ref;
  ref.dtype = cls.storage_dtype;
  ref.key = expect(t.items[2], PyKind::Str, "persistent id key").s;
  const PyObject& loc = objects_[size_t(t.items[3])];
  if (loc.kind != PyKind::Str && loc.kind != PyKind::None) fail("persistent id location: expected str");
  ref.root_numel = expect_int(t.items[4], "persistent id numel");
  if (ref.root_numel < 0) fail(fmt::format("persistent id: negative numel {}", ref.root_numel));
  ref.numel = ref.root_numel;
  if (t.items.size() == 6 && objects_[size_t(t.items[5])].kind != PyKind::None) {
    // Legacy view: (view_key, offset, view_size) into the root storage.
    const PyObject& v = expect(t.items[5], PyKind::Tuple, "persistent id view_metadata");
    if (v.items.size() != 3) fail("persistent id view_metadata: expected 3 fields");
    ref.offset = expect_int(v.items[1], "view offset");
    ref.numel = expect_int(v.items[2], "view size");
    if (ref.offset < 0 || ref.numel < 0 || ref.offset > ref.root_numel || ref.numel > ref.root_numel - ref.offset)
      fail(fmt::format("storage view [{}, +{}) outside storage '{}' of {} elements", ref.offset, ref.numel,
                       clip(ref.key), ref.root_numel));
  }
  // The record and its copy of the key (a memoized persistent id may be loaded many times).
  charge(sizeof(StorageRef) + ref.key.size());
  auto it = storage_by_key_.find(ref.key);
  if (it == storage_by_key_.end()) {
    charge(ref.key.size() + 64);
    storage_by_key_.emplace(ref.key, int(storages_.size()));
  } else {
    const StorageRef& first = storages_[size_t(it->second)];
    if (first.dtype.name != ref.dtype.name || first.root_numel != ref.root_numel)
      fail(fmt::format("storage '{}' declared twice with different type or size", clip(ref.key)));
  }
  if (storages_.size() >= size_t(INT32_MAX)) fail("too many storages");
  storages_.push_back(std::move(ref));
  PyObject o;
  o.kind = PyKind::Storage;
  o.i = int64_t(storages_.size() - 1);
  return make(std::move(o));
}

int Unpickler::reduce(int callable, int args_id) {
  const PyObject& fn = objects_[size_t(callable)];
  if (fn.kind != PyKind::Global) fail(fmt::format("REDUCE on a {}", kind_name(fn.kind)));
  const std::vector<int>& args = expect(args_id, PyKind::Tuple, "REDUCE arguments").items;
  switch (fn.global) {
    case GlobalId::OrderedDict: {
      if (!args.empty()) fail("OrderedDict() with arguments is not supported");
      PyObject d;
      d.kind = PyKind::Dict;
      return make(std::move(d));
    }
    case GlobalId::RebuildTensor:
    case GlobalId::RebuildTensorV2: {
      // (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]])
      bool v2 = fn.global == GlobalId::RebuildTensorV2;
      if (v2 ? (args.size() < 6 || args.size() > 7) : args.size() != 4)
        fail(fmt::format("{}: unexpected argument count {}", fn.global_name, args.size()));
      TensorRef t;
      t.storage = int(expect(args[0], PyKind::Storage, "tensor storage").i);
      t.offset = expect_int(args[1], "tensor storage_offset");
      t.size = expect_int_tuple(args[2], "tensor size");
      t.stride = expect_int_tuple(args[3], "tensor stride");
      if (t.size.size() != t.stride.size())
        fail(fmt::format("tensor size {} and stride {} differ in rank", shape_to_string(t.size),
                         shape_to_string(t.stride)));
      charge(sizeof(TensorRef) + 2 * sizeof(int64_t) * t.size.size());
      if (tensors_.size() >= size_t(INT32_MAX)) fail("too many tensors");
      tensors_.push_back(std::move(t));
      PyObject o;
      o.kind = PyKind::Tensor;
      o.i = int64_t(tensors_.size() - 1);
      return make(std::move(o));
    }
    case GlobalId::RebuildParameter: {  // (data, requires_grad, backward_hooks): the tensor itself
      if (args.size() != 3) fail("_rebuild_parameter: expected 3 arguments");
      expect(args[0], PyKind::Tensor, "parameter data");
      return args[0];
    }
    case GlobalId::StorageClass: break;
  }
  fail(fmt::format("calling '{}' is not allowed", fn.global_name));
}

}  // namespace faultbench::io
