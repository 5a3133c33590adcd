// State dict extraction and tensor materialization shared by the zip and legacy readers.
#include "torch_tensors.h"

#include <bit>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "faultbench/error.h"

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

// Checks that tensor `t` stays inside storage `s` (whose root has the bytes `root`) and
// has no more elements than the storage (so no allocation exceeds the file's data).
// Returns the element count.
int64_t check_view(const std::string& where, const TensorRef& t, const StorageRef& s, std::span<const uint8_t> root) {
  const int64_t itemsize = s.dtype.itemsize;
  if (root.size() / uint64_t(itemsize) < uint64_t(s.root_numel))
    throw FormatError(fmt::format("{}: storage '{}' has {} bytes, {} elements of {} bytes declared", where, s.key,
                                  root.size(), s.root_numel, itemsize));
  if (t.offset < 0) throw FormatError(fmt::format("{}: negative storage offset {}", where, t.offset));
  // Element count and largest element index reached, with every product overflow-checked.
  int64_t last = t.offset;
  int64_t count = 1;
  bool zero = false;
  for (size_t d = 0; d < t.size.size(); ++d) {
    if (t.size[d] < 0 || t.stride[d] < 0)
      throw FormatError(fmt::format("{}: negative size or stride (size {}, stride {})", where,
                                    shape_to_string(t.size), shape_to_string(t.stride)));
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
    throw FormatError(fmt::format("{}: tensor (offset {}, shape {}, stride {}) reaches element {} of a {}-element storage",
                                  where, t.offset, shape_to_string(t.size), shape_to_string(t.stride),
                                  last, s.numel));
  return count;
}

// Copies tensor `t` (viewing storage `s`) to an fp32 Tensor.
Tensor materialize(const std::string& where, const TensorRef& t, const StorageRef& s, std::span<const uint8_t> root) {
  const int64_t count = check_view(where, t, s, root);
  const int64_t itemsize = s.dtype.itemsize;
  Tensor out(t.size);
  if (count == 0) return out;
  const FloatLoader load = float_loader(s.dtype.name);
  const uint8_t* base = root.data() + (s.offset + t.offset) * itemsize;
  // Walk the multi-index in row-major order (innermost dimension fastest).
  const size_t rank = t.size.size();
  std::vector<int64_t> idx(rank, 0);
  int64_t elem = 0;
  for (int64_t n = 0; n < count; ++n) {
    out.data[size_t(n)] = load(base + elem * itemsize);
    for (size_t d = rank; d-- > 0;) {
      elem += t.stride[d];
      if (++idx[d] < t.size[d]) break;
      elem -= t.stride[d] * t.size[d];
      idx[d] = 0;
    }
  }
  return out;
}

}  // namespace

FloatLoader float_loader(const std::string& dtype) {
  if (dtype == "float32") return [](const uint8_t* p) { return load_le<float>(p); };
  if (dtype == "float64") return [](const uint8_t* p) { return float(load_le<double>(p)); };
  if (dtype == "float16") return [](const uint8_t* p) { return half_to_float(load_le<uint16_t>(p)); };
  if (dtype == "bfloat16") return [](const uint8_t* p) { return std::bit_cast<float>(uint32_t(load_le<uint16_t>(p)) << 16); };
  FAULTBENCH_CHECK(false, "float_loader: not a floating dtype: " + dtype);
  return nullptr;
}

StateDict build_state_dict(const Unpickler& up, int root, const std::string& source, const StorageBytes& bytes) {
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
  const PyObject& d = up.obj(dict);
  for (size_t k = 0; k + 1 < d.items.size(); k += 2) {
    const PyObject& key = up.obj(d.items[k]);
    if (key.kind != PyKind::Str)
      throw FormatError(fmt::format("{}: state dict key is a {}, expected str", source, Unpickler::kind_name(key.kind)));
    const PyObject& val = up.obj(d.items[k + 1]);
    if (val.kind != PyKind::Tensor)
      throw FormatError(fmt::format("{}: state_dict key '{}' is a {}, expected a tensor", source, key.s,
                                    Unpickler::kind_name(val.kind)));
    const TensorRef& t = up.tensors().at(size_t(val.i));
    const StorageRef& s = up.storages().at(size_t(t.storage));
    const std::string where = fmt::format("{}: state_dict key '{}'", source, key.s);
    StateDictEntry e;
    e.key = key.s;
    e.dtype = s.dtype.name;
    e.shape = t.size;
    if (is_floating_dtype(e.dtype)) {
      e.value = materialize(where, t, s, bytes(s));
    } else {
      check_view(where, t, s, bytes(s));  // integer tensors are not copied, only validated
    }
    sd.entries.push_back(std::move(e));
  }
  return sd;
}

std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path, uint64_t max_bytes) {
  const std::string name = path.filename().string();
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw IoError(fmt::format("{}: cannot read: {}", path.string(), ec.message()));
  if (size > max_bytes) throw FormatError(fmt::format("{}: file of {} bytes is too large", name, size));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot open for reading", path.string()));
  std::vector<uint8_t> buf(static_cast<size_t>(size));
  if (size > 0 && !in.read(reinterpret_cast<char*>(buf.data()), std::streamsize(size)))
    throw IoError(fmt::format("{}: read failed", path.string()));
  return buf;
}

}  // namespace faultbench::io
