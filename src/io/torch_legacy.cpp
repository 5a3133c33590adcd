// Legacy torch.save format (PyTorch < 1.6, and _use_new_zipfile_serialization=False):
//   pickle(magic 0x1950a86a20f9469cfc6c) pickle(protocol 1001) pickle(sys_info)
//   pickle(object)  pickle([storage keys])  then per key: int64 numel + numel*itemsize bytes.
//
// Only the pickles (the first 32 MB of the file at most) are held in memory; the storages
// are located by their numel fields and read from the file as the selected tensors need.
#include <cstring>
#include <map>
#include <string_view>

#include <fmt/format.h>

#include "faultbench/error.h"
#include "faultbench/io/checkpoint.h"
#include "input_file.h"
#include "pickle.h"
#include "torch_tensors.h"

namespace faultbench {
namespace {

struct Located {
  uint64_t offset = 0;  // file offset of the storage's first byte
};

class LegacyStream : public io::StorageStream {
 public:
  LegacyStream(const io::InputFile& file, uint64_t offset) : file_(file), offset_(offset) {}
  void read(uint64_t at, uint8_t* dst, size_t n) override { file_.read_at(offset_ + at, dst, n); }

 private:
  const io::InputFile& file_;
  uint64_t offset_;
};

class LegacyStorages : public io::StorageReader {
 public:
  LegacyStorages(const io::InputFile& file, const std::string& source, const std::map<std::string_view, Located>& data)
      : file_(file), source_(source), data_(data) {}
  // Sizes were checked against the declarations while the storages were located.
  void check(const io::StorageRef& s) override { find(s); }
  std::unique_ptr<io::StorageStream> open(const io::StorageRef& s) override {
    return std::make_unique<LegacyStream>(file_, find(s).offset);
  }

 private:
  const Located& find(const io::StorageRef& s) const {
    auto it = data_.find(s.key);
    if (it == data_.end())
      throw FormatError(fmt::format("{}: storage '{}' has no data in the file", source_, io::clip(s.key)));
    return it->second;
  }
  const io::InputFile& file_;
  const std::string& source_;
  const std::map<std::string_view, Located>& data_;
};

}  // namespace

StateDict read_torch_legacy(const std::filesystem::path& path, const Graph* model) {
  const std::string source = path.filename().string();
  const io::InputFile in(path);
  const uint64_t file_size = in.size();
  // The pickles come first: they are read into a window that grows (to the pickle limit
  // at most) while a pickle runs past its end.
  std::vector<uint8_t> head;
  auto grow = [&](uint64_t want) {
    std::vector<uint8_t>().swap(head);
    head = in.read_range(0, size_t(std::min({want, file_size, io::Unpickler::kMaxPickleBytes})));
  };
  grow(uint64_t(1) << 20);
  io::PickleBudget budget;
  size_t pos = 0;
  // Runs the next pickle of the file and returns it (with its result id).
  auto next_pickle = [&](const char* what) {
    for (const uint64_t charged = budget.used();;) {
      auto up = std::make_unique<io::Unpickler>(std::span<const uint8_t>(head).subspan(pos), source, pos, &budget);
      if (head.size() < file_size && head.size() == io::Unpickler::kMaxPickleBytes)
        up->set_cut_at_limit(io::Unpickler::kMaxPickleBytes);
      int root = -1;
      try {
        root = up->run();
      } catch (const FormatError& e) {
        if (up->ran_out() && head.size() < file_size && head.size() < io::Unpickler::kMaxPickleBytes) {
          up.reset();
          budget.refund_to(charged);  // this pickle is read again, from a larger window
          grow(uint64_t(head.size()) * 8);
          continue;
        }
        throw FormatError(fmt::format("{} (reading the {})", e.what(), what));
      }
      pos += up->consumed();
      return std::make_pair(std::move(up), root);
    }
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
    if (auto le = up->dict_get(root, "little_endian");
        le && up->obj(*le).kind == io::PyKind::Bool && up->obj(*le).i == 0)
      throw FormatError(fmt::format("{}: offset {}: big-endian checkpoints are not supported", source, at));
  }
  auto [main, root] = next_pickle("state dict");
  const size_t keys_at = pos;
  auto [keys_up, keys_root] = next_pickle("storage key list");
  const io::PyObject& keys = keys_up->obj(keys_root);
  if (keys.kind != io::PyKind::List)
    throw FormatError(
        fmt::format("{}: offset {}: storage key list is a {}", source, keys_at, io::Unpickler::kind_name(keys.kind)));

  // Root storage declarations of the object pickle, by key (views into the unpicklers,
  // which outlive these maps).
  std::map<std::string_view, const io::StorageRef*> declared;
  for (const io::StorageRef& s : main->storages()) declared.emplace(s.key, &s);

  std::map<std::string_view, Located> data;
  uint64_t at = pos;  // file offset: the storages may lie past the pickles' window
  for (int kid : keys.items) {
    const io::PyObject& k = keys_up->obj(kid);
    if (k.kind != io::PyKind::Str)
      throw FormatError(fmt::format("{}: offset {}: storage key is not a str", source, keys_at));
    const std::string key = io::clip(k.s);
    auto it = declared.find(k.s);
    if (it == declared.end())
      throw FormatError(fmt::format("{}: offset {}: storage '{}' is listed but never used", source, at, key));
    const io::StorageRef& s = *it->second;
    if (file_size - at < 8)
      throw FormatError(fmt::format("{}: offset {}: truncated before storage '{}'", source, at, key));
    int64_t numel;
    in.read_at(at, &numel, 8);
    if (numel != s.root_numel)
      throw FormatError(fmt::format("{}: offset {}: storage '{}' has {} elements, {} declared", source, at, key, numel,
                                    s.root_numel));
    at += 8;
    if (uint64_t(numel) > (file_size - at) / uint64_t(s.dtype.itemsize))
      throw FormatError(
          fmt::format("{}: offset {}: storage '{}' of {} elements x {} bytes runs past the end of the "
                      "file ({} bytes)",
                      source, at, key, numel, s.dtype.itemsize, file_size));
    if (!data.emplace(k.s, Located{at}).second)
      throw FormatError(fmt::format("{}: storage '{}' is listed twice", source, key));
    at += uint64_t(numel) * uint64_t(s.dtype.itemsize);  // fits: checked above
  }
  LegacyStorages storages(in, source, data);
  io::Selection selection(model);
  StateDict sd = io::build_state_dict(*main, root, source, storages, selection);
  sd.format = "torch-legacy";
  return sd;
}

}  // namespace faultbench
