// State dict extraction and tensor materialization shared by the zip and legacy readers.
#include "torch_tensors.h"

#include <bit>
#include <cstring>
#include <string_view>
#include <unordered_set>

#include <fmt/format.h>

#include "faultbench/error.h"
#include "storage_gather.h"

namespace faultbench::io {
namespace {

float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // inf / nan (payload kept)
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {  // subnormal half: normalize
    int e = -1;
    do {
      ++e;
      mant <<= 1;
    } while ((mant & 0x400) == 0);
    bits = sign | (uint32_t(112 - e) << 23) | ((mant & 0x3ff) << 13);
  }
  return std::bit_cast<float>(bits);
}

template <typename T>
T load_le(const uint8_t* p) {
  static_assert(std::endian::native == std::endian::little, "big-endian hosts are not supported");
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Checks that tensor `t` stays inside storage `s` (whose root holds the declared number of
// elements: StorageReader::check) and has no more elements than the storage (so no
// allocation exceeds the file's data). Returns the element count; `last` gets the largest
// element index reached, relative to `s`.
int64_t check_view(const std::string& where, const TensorRef& t, const StorageRef& s, int64_t* last_out = nullptr) {
  if (t.offset < 0) throw FormatError(fmt::format("{}: negative storage offset {}", where, t.offset));
  // Element count and largest element index reached, with every product overflow-checked.
  int64_t last = t.offset;
  int64_t count = 1;
  bool zero = false;
  for (size_t d = 0; d < t.size.size(); ++d) {
    if (t.size[d] < 0 || t.stride[d] < 0)
      throw FormatError(fmt::format("{}: negative size or stride (size {}, stride {})", where, shape_to_string(t.size),
                                    shape_to_string(t.stride)));
    zero = zero || t.size[d] == 0;
  }
  if (zero) return 0;
  for (size_t d = 0; d < t.size.size(); ++d) {
    int64_t reach = 0;
    if (__builtin_mul_overflow(count, t.size[d], &count) || count > s.numel)
      throw FormatError(fmt::format("{}: tensor of shape {} has more elements than its storage ({})", where,
                                    shape_to_string(t.size), s.numel));
    if (__builtin_mul_overflow(t.size[d] - 1, t.stride[d], &reach) || __builtin_add_overflow(last, reach, &last))
      last = INT64_MAX;
  }
  if (last >= s.numel)
    throw FormatError(
        fmt::format("{}: tensor (offset {}, shape {}, stride {}) reaches element {} of a {}-element storage", where,
                    t.offset, shape_to_string(t.size), shape_to_string(t.stride), last, s.numel));
  if (last_out) *last_out = last;
  return count;
}

}  // namespace

FloatLoader float_loader(const std::string& dtype) {
  if (dtype == "float32") return [](const uint8_t* p) { return load_le<float>(p); };
  if (dtype == "float64") return [](const uint8_t* p) { return float(load_le<double>(p)); };
  if (dtype == "float16") return [](const uint8_t* p) { return half_to_float(load_le<uint16_t>(p)); };
  if (dtype == "bfloat16")
    return [](const uint8_t* p) { return std::bit_cast<float>(uint32_t(load_le<uint16_t>(p)) << 16); };
  FAULTBENCH_CHECK(false, "float_loader: not a floating dtype: " + dtype);
  return nullptr;
}

Selection::Selection(const Graph* model) : all_(model == nullptr) {
  if (model)
    for (const Param& p : model->params)
      if (p.role != ParamRole::NumBatchesTracked) wanted_.emplace(p.name, p.shape);
}

bool Selection::take(const std::string& key, const std::string& dtype, const Shape& shape) {
  if (!is_floating_dtype(dtype)) return false;
  if (all_) return true;
  auto it = wanted_.find(key.rfind("module.", 0) == 0 ? key.substr(7) : key);
  if (it == wanted_.end() || it->second != shape) return false;
  wanted_.erase(it);  // a second entry of that name is an error for load_state_dict: not read
  return true;
}

StateDict build_state_dict(const Unpickler& up, int root, const std::string& source, StorageReader& storages,
                           Selection& selection) {
  int dict = root;
  if (up.obj(root).kind != PyKind::Dict)
    throw FormatError(fmt::format("{}: top-level object is a {}, expected a dict of tensors", source,
                                  Unpickler::kind_name(up.obj(root).kind)));
  for (const char* wrapper : {"state_dict", "model", "net"}) {
    auto inner = up.dict_get(root, wrapper);
    if (inner && up.obj(*inner).kind == PyKind::Dict) {
      dict = *inner;
      break;
    }
  }
  StateDict sd;
  sd.source = source;
  std::unordered_set<std::string_view> checked;  // root storages checked against their entry
  std::vector<GatherJob> jobs;
  const PyObject& d = up.obj(dict);
  for (size_t k = 0; k + 1 < d.items.size(); k += 2) {
    const PyObject& key = up.obj(d.items[k]);
    if (key.kind != PyKind::Str)
      throw FormatError(
          fmt::format("{}: state dict key is a {}, expected str", source, Unpickler::kind_name(key.kind)));
    if (key.s.size() > kMaxKeyBytes)
      throw FormatError(fmt::format("{}: state_dict key '{}' is {} bytes long (the limit is {})", source, clip(key.s),
                                    key.s.size(), kMaxKeyBytes));
    const PyObject& val = up.obj(d.items[k + 1]);
    if (val.kind != PyKind::Tensor)
      throw FormatError(fmt::format("{}: state_dict key '{}' is a {}, expected a tensor", source, key.s,
                                    Unpickler::kind_name(val.kind)));
    const TensorRef& t = up.tensors().at(size_t(val.i));
    const StorageRef& s = up.storages().at(size_t(t.storage));
    const std::string where = fmt::format("{}: state_dict key '{}'", source, key.s);
    if (checked.insert(s.key).second) storages.check(s);
    StateDictEntry e;
    e.key = key.s;
    e.dtype = s.dtype.name;
    e.shape = t.size;
    int64_t last = 0;
    const int64_t count = check_view(where, t, s, &last);
    if (selection.take(e.key, e.dtype, e.shape)) {
      if (count == 0)
        e.value = Tensor(t.size);
      else
        jobs.push_back({sd.entries.size(), &t, &s, count, s.offset + last + 1});
    }
    sd.entries.push_back(std::move(e));
  }
  if (selection.all()) {
    // Without a model nothing bounds how often a memoized tensor is reused under new keys:
    // copy at most twice what the storages hold (tied weights view a storage twice).
    std::unordered_map<std::string_view, int64_t> stored;
    uint64_t values = 0, held = 0;
    auto add = [](uint64_t& sum, int64_t n) {
      if (__builtin_add_overflow(sum, uint64_t(n), &sum)) sum = UINT64_MAX;
    };
    for (const GatherJob& j : jobs) {
      add(values, j.count);
      if (stored.emplace(j.s->key, j.s->root_numel).second) add(held, j.s->root_numel);
    }
    if (values / 2 > held && values - 2 * held > (uint64_t(1) << 20))
      throw FormatError(
          fmt::format("{}: the tensors view their storages more than twice over ({} values from {} "
                      "stored): refusing to copy them",
                      source, values, held));
  }
  for (const GatherJob& j : jobs) sd.entries[j.entry].value = Tensor(j.t->size);
  gather_tensors(source, jobs, storages, sd);
  return sd;
}

}  // namespace faultbench::io
