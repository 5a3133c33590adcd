// Legacy torch.save format (PyTorch < 1.6, and _use_new_zipfile_serialization=False):
//   pickle(magic 0x1950a86a20f9469cfc6c) pickle(protocol 1001) pickle(sys_info)
//   pickle(object)  pickle([storage keys])  then per key: int64 numel + numel*itemsize bytes.
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "faultbench/error.h"
#include "faultbench/io/checkpoint.h"
#include "pickle.h"
#include "torch_tensors.h"

namespace faultbench {

StateDict read_torch_legacy(const std::filesystem::path& path) {
  const std::string source = path.filename().string();
  const std::vector<uint8_t> file = io::read_file_bytes(path);
  size_t pos = 0;
  // Runs the next pickle of the file and returns it (with its result id).
  auto next_pickle = [&](const char* what) {
    auto up = std::make_unique<io::Unpickler>(std::span<const uint8_t>(file).subspan(pos), source, pos);
    int root = -1;
    try {
      root = up->run();
    } catch (const FormatError& e) {
      throw FormatError(fmt::format("{} (reading the {})", e.what(), what));
    }
    pos += up->consumed();
    return std::make_pair(std::move(up), root);
  };

  {
    // The magic number: LONG1 of 10 bytes, little endian.
    static const uint8_t kMagic[10] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
    auto [up, root] = next_pickle("magic number");
    const io::PyObject& m = up->obj(root);
    if (m.kind != io::PyKind::BigInt || m.s.size() != sizeof kMagic || std::memcmp(m.s.data(), kMagic, sizeof kMagic))
      throw FormatError(fmt::format("{}: offset 0: bad magic number, not a legacy PyTorch checkpoint", source));
  }
  {
    const size_t at = pos;
    auto [up, root] = next_pickle("protocol version");
    const io::PyObject& v = up->obj(root);
    if (v.kind != io::PyKind::Int || v.i != 1001)
      throw FormatError(fmt::format("{}: offset {}: unsupported legacy protocol version (expected 1001)", source, at));
  }
  {
    const size_t at = pos;
    auto [up, root] = next_pickle("sys_info");
    if (auto le = up->dict_get(root, "little_endian"); le && up->obj(*le).kind == io::PyKind::Bool && up->obj(*le).i == 0)
      throw FormatError(fmt::format("{}: offset {}: big-endian checkpoints are not supported", source, at));
  }
  auto [main, root] = next_pickle("state dict");
  const size_t keys_at = pos;
  auto [keys_up, keys_root] = next_pickle("storage key list");
  const io::PyObject& keys = keys_up->obj(keys_root);
  if (keys.kind != io::PyKind::List)
    throw FormatError(fmt::format("{}: offset {}: storage key list is a {}", source, keys_at,
                                  io::Unpickler::kind_name(keys.kind)));

  // Root storage declarations of the object pickle, by key.
  std::map<std::string, const io::StorageRef*> declared;
  for (const io::StorageRef& s : main->storages()) declared.emplace(s.key, &s);

  std::map<std::string, std::span<const uint8_t>> data;
  for (int kid : keys.items) {
    const io::PyObject& k = keys_up->obj(kid);
    if (k.kind != io::PyKind::Str) throw FormatError(fmt::format("{}: offset {}: storage key is not a str", source, keys_at));
    auto it = declared.find(k.s);
    if (it == declared.end())
      throw FormatError(fmt::format("{}: offset {}: storage '{}' is listed but never used", source, pos, k.s));
    const io::StorageRef& s = *it->second;
    if (file.size() - pos < 8)
      throw FormatError(fmt::format("{}: offset {}: truncated before storage '{}'", source, pos, k.s));
    int64_t numel;
    std::memcpy(&numel, file.data() + pos, 8);
    if (numel != s.root_numel)
      throw FormatError(fmt::format("{}: offset {}: storage '{}' has {} elements, {} declared", source, pos, k.s, numel,
                                    s.root_numel));
    pos += 8;
    if (uint64_t(numel) > (file.size() - pos) / uint64_t(s.dtype.itemsize))
      throw FormatError(fmt::format("{}: offset {}: storage '{}' of {} elements x {} bytes runs past the end of the "
                                    "file ({} bytes)", source, pos, k.s, numel, s.dtype.itemsize, file.size()));
    const uint64_t nbytes = uint64_t(numel) * uint64_t(s.dtype.itemsize);  // fits: checked above
    if (!data.emplace(k.s, std::span<const uint8_t>(file.data() + pos, size_t(nbytes))).second)
      throw FormatError(fmt::format("{}: storage '{}' is listed twice", source, k.s));
    pos += size_t(nbytes);
  }
  StateDict sd = io::build_state_dict(*main, root, source, [&](const io::StorageRef& s) {
    auto it = data.find(s.key);
    if (it == data.end()) throw FormatError(fmt::format("{}: storage '{}' has no data in the file", source, s.key));
    return it->second;
  });
  sd.format = "torch-legacy";
  return sd;
}

}  // namespace faultbench
