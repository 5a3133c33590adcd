// Zip torch.save format (PyTorch >= 1.6): <dir>/data.pkl is the object pickle, its
// persistent ids ('storage', StorageClass, key, location, numel) name <dir>/data/<key>,
// each the raw little-endian bytes of one storage. <dir> is "archive" or the file stem.
#include <map>
#include <memory>

#include <fmt/format.h>
#include <zip.h>

#include "faultbench/error.h"
#include "faultbench/io/checkpoint.h"
#include "pickle.h"
#include "torch_tensors.h"

namespace faultbench {
namespace {

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};

class ZipReader {
 public:
  explicit ZipReader(const std::filesystem::path& path) : source_(path.filename().string()) {
    std::error_code ec;
    file_size_ = std::filesystem::file_size(path, ec);
    if (ec) throw IoError(fmt::format("{}: cannot read: {}", path.string(), ec.message()));
    int err = 0;
    zip_.reset(zip_open(path.c_str(), ZIP_RDONLY, &err));
    if (!zip_) {
      zip_error_t ze;
      zip_error_init_with_code(&ze, err);
      std::string msg = zip_error_strerror(&ze);
      zip_error_fini(&ze);
      if (err == ZIP_ER_OPEN || err == ZIP_ER_NOENT) throw IoError(fmt::format("{}: cannot open: {}", path.string(), msg));
      throw FormatError(fmt::format("{}: not a valid zip archive: {}", source_, msg));
    }
  }

  const std::string& source() const { return source_; }

  // Names of all entries.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    const zip_int64_t n = zip_get_num_entries(zip_.get(), 0);
    for (zip_int64_t i = 0; i < n; ++i) {
      const char* name = zip_get_name(zip_.get(), zip_uint64_t(i), 0);
      if (name) out.emplace_back(name);
    }
    return out;
  }

  bool has(const std::string& name) const { return zip_name_locate(zip_.get(), name.c_str(), 0) >= 0; }

  // The whole entry, bounded: its declared size must be plausible for the archive size
  // (stored entries fit in the file; deflate expands at most ~1032x) and below max_bytes.
  std::vector<uint8_t> read(const std::string& name, uint64_t max_bytes) const {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat(zip_.get(), name.c_str(), 0, &st) != 0)
      throw FormatError(fmt::format("{}: zip entry '{}' is missing", source_, name));
    const bool sized = (st.valid & ZIP_STAT_SIZE) && (st.valid & ZIP_STAT_COMP_SIZE) && (st.valid & ZIP_STAT_COMP_METHOD);
    if (!sized) throw FormatError(fmt::format("{}: zip entry '{}' has no size", source_, name));
    const uint64_t limit =
        st.comp_method == ZIP_CM_STORE ? file_size_ : std::min<uint64_t>(st.comp_size, file_size_) * 1100 + 1024;
    if (st.size > limit || st.size > max_bytes || (st.comp_method == ZIP_CM_STORE && st.comp_size != st.size))
      throw FormatError(fmt::format("{}: zip entry '{}' declares an implausible size of {} bytes", source_, name, st.size));
    std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> f(zip_fopen(zip_.get(), name.c_str(), 0), zip_fclose);
    if (!f) throw FormatError(fmt::format("{}: zip entry '{}': {}", source_, name, zip_strerror(zip_.get())));
    std::vector<uint8_t> buf(size_t(st.size));
    uint64_t got = 0;
    while (got < st.size) {
      zip_int64_t r = zip_fread(f.get(), buf.data() + got, st.size - got);
      if (r < 0) throw FormatError(fmt::format("{}: zip entry '{}': {}", source_, name, zip_file_strerror(f.get())));
      if (r == 0) break;
      got += uint64_t(r);
    }
    // One more read at the end lets libzip verify the CRC of the whole entry.
    uint8_t extra;
    const zip_int64_t tail = zip_fread(f.get(), &extra, 1);
    if (got != st.size || tail != 0)
      throw FormatError(fmt::format("{}: zip entry '{}': {} bytes read, {} declared{}", source_, name, got, st.size,
                                    tail < 0 ? std::string(" (") + zip_file_strerror(f.get()) + ")" : ""));
    return buf;
  }

 private:
  std::string source_;
  uint64_t file_size_ = 0;
  std::unique_ptr<zip_t, ZipCloser> zip_;
};

}  // namespace

StateDict read_torch_zip(const std::filesystem::path& path) {
  ZipReader zip(path);
  const std::string& source = zip.source();
  // The record folder: the one "<dir>/data.pkl" entry.
  std::string prefix;
  int found = 0;
  for (const std::string& n : zip.names()) {
    const size_t slash = n.find('/');
    if (slash != std::string::npos && n.size() > 9 && n.compare(n.size() - 9, 9, "/data.pkl") == 0 &&
        slash == n.size() - 9) {
      prefix = n.substr(0, slash + 1);
      ++found;
    }
  }
  if (found == 0) throw FormatError(fmt::format("{}: zip archive has no <dir>/data.pkl: not a torch.save file", source));
  if (found > 1) throw FormatError(fmt::format("{}: zip archive has {} data.pkl records", source, found));
  if (zip.has(prefix + "byteorder")) {
    std::vector<uint8_t> bo = zip.read(prefix + "byteorder", 16);
    if (std::string(bo.begin(), bo.end()) != "little")
      throw FormatError(fmt::format("{}: zip entry '{}byteorder': only little-endian checkpoints are supported", source,
                                    prefix));
  }
  const std::string pkl_name = prefix + "data.pkl";
  const std::vector<uint8_t> pkl = zip.read(pkl_name, uint64_t(1) << 30);
  io::Unpickler up(pkl, source + ": zip entry '" + pkl_name + "'");
  const int root = up.run();

  std::map<std::string, std::vector<uint8_t>> loaded;  // storage key -> bytes (node-stable)
  StateDict sd = io::build_state_dict(up, root, source, [&](const io::StorageRef& s) -> std::span<const uint8_t> {
    auto it = loaded.find(s.key);
    if (it == loaded.end()) {
      const std::string name = prefix + "data/" + s.key;
      if (s.key.empty() || s.key.find('/') != std::string::npos || s.key.find("..") != std::string::npos)
        throw FormatError(fmt::format("{}: storage key '{}' is not a plain name", source, s.key));
      const uint64_t max_numel = uint64_t(INT64_MAX) / uint64_t(s.dtype.itemsize);
      if (uint64_t(s.root_numel) > max_numel)
        throw FormatError(fmt::format("{}: storage '{}' declares {} elements", source, s.key, s.root_numel));
      const uint64_t want = uint64_t(s.root_numel) * uint64_t(s.dtype.itemsize);
      std::vector<uint8_t> bytes = zip.read(name, want);
      if (bytes.size() != want)
        throw FormatError(fmt::format("{}: zip entry '{}' has {} bytes, storage of {} elements x {} bytes declared",
                                      source, name, bytes.size(), s.root_numel, s.dtype.itemsize));
      it = loaded.emplace(s.key, std::move(bytes)).first;
    }
    return it->second;
  });
  sd.format = "torch-zip";
  return sd;
}

}  // namespace faultbench
