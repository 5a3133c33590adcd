// Zip torch.save format (PyTorch >= 1.6): <dir>/data.pkl is the object pickle, its
// persistent ids ('storage', StorageClass, key, location, numel) name <dir>/data/<key>,
// each the raw little-endian bytes of one storage. <dir> is "archive" or the file stem.
//
// Bounded whatever the archive claims: the central directory is sized before libzip
// reads it, data.pkl is read whole only below the pickle limit, and a storage entry is
// never inflated whole: its size must be the one its pickle declares (checked before
// anything is inflated), then it is streamed only as far as the selected tensors need.
#include <memory>
#include <unordered_set>

#include <fmt/format.h>
#include <zip.h>

#include "faultbench/error.h"
#include "faultbench/io/checkpoint.h"
#include "input_file.h"
#include "pickle.h"
#include "torch_tensors.h"

namespace faultbench {
namespace {

// Far more than torch.save writes (one entry per storage, DenseNet161 has ~1,000).
constexpr uint64_t kMaxEntries = 100'000;
constexpr uint64_t kMaxCentralDirectory = uint64_t(16) << 20;

uint64_t get_le(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t(p[i]) << (8 * i);
  return v;
}

// The entry count and central directory size the end records declare, checked against
// the limits before libzip allocates for them. An archive without a readable end record
// is left to libzip, which refuses it with its own message.
void check_end_records(const std::filesystem::path& path, const std::string& source) {
  const io::InputFile file(path);
  const uint64_t tail_len = std::min<uint64_t>(file.size(), 22 + 65535);
  const std::vector<uint8_t> tail = file.read_range(file.size() - tail_len, size_t(tail_len));
  for (size_t at = tail.size() >= 22 ? tail.size() - 22 + 1 : 0; at-- > 0;) {
    if (get_le(&tail[at], 4) != 0x06054b50) continue;
    uint64_t entries = get_le(&tail[at + 10], 2), cd_size = get_le(&tail[at + 12], 4);
    const uint64_t eocd_pos = file.size() - tail_len + at;
    if ((entries == 0xffff || cd_size == 0xffffffff) && eocd_pos >= 20) {
      uint8_t loc[20], z64[56];
      file.read_at(eocd_pos - 20, loc, sizeof loc);
      const uint64_t z64_pos = get_le(loc + 8, 8);
      if (get_le(loc, 4) == 0x07064b50 && z64_pos <= file.size() - sizeof z64) {
        file.read_at(z64_pos, z64, sizeof z64);
        if (get_le(z64, 4) == 0x06064b50) entries = get_le(z64 + 32, 8), cd_size = get_le(z64 + 40, 8);
      }
    }
    if (entries > kMaxEntries)
      throw FormatError(
          fmt::format("{}: zip archive declares {} entries (the limit is {})", source, entries, kMaxEntries));
    if (cd_size > kMaxCentralDirectory)
      throw FormatError(fmt::format("{}: zip central directory of {} bytes (the limit is {} MB)", source, cd_size,
                                    kMaxCentralDirectory >> 20));
    return;
  }
}

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
using ZipFile = std::unique_ptr<zip_file_t, int (*)(zip_file_t*)>;

class ZipReader {
 public:
  explicit ZipReader(const std::filesystem::path& path) : source_(path.filename().string()) {
    std::error_code ec;
    file_size_ = std::filesystem::file_size(path, ec);
    if (ec) throw IoError(fmt::format("{}: cannot read: {}", path.string(), ec.message()));
    check_end_records(path, source_);
    int err = 0;
    zip_.reset(zip_open(path.c_str(), ZIP_RDONLY, &err));
    if (!zip_) {
      zip_error_t ze;
      zip_error_init_with_code(&ze, err);
      std::string msg = zip_error_strerror(&ze);
      zip_error_fini(&ze);
      if (err == ZIP_ER_OPEN || err == ZIP_ER_NOENT)
        throw IoError(fmt::format("{}: cannot open: {}", path.string(), msg));
      throw FormatError(fmt::format("{}: not a valid zip archive: {}", source_, msg));
    }
  }

  const std::string& source() const { return source_; }
  zip_t* get() const { return zip_.get(); }

  // Names of all entries; an archive naming an entry twice is refused (which of the two
  // a reader sees is up to the reader).
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    std::unordered_set<std::string> seen;
    const zip_int64_t n = zip_get_num_entries(zip_.get(), 0);
    for (zip_int64_t i = 0; i < n; ++i) {
      const char* name = zip_get_name(zip_.get(), zip_uint64_t(i), 0);
      if (!name) continue;
      if (!seen.insert(name).second)
        throw FormatError(fmt::format("{}: zip entry '{}' appears twice in the archive", source_, io::clip(name)));
      out.emplace_back(name);
    }
    return out;
  }

  bool has(const std::string& name) const { return zip_name_locate(zip_.get(), name.c_str(), 0) >= 0; }

  // The entry's uncompressed size, checked to be plausible for the archive size (stored
  // entries fit in the file; deflate expands at most ~1032x). Nothing is inflated.
  uint64_t size(const std::string& name) const {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat(zip_.get(), name.c_str(), 0, &st) != 0)
      throw FormatError(fmt::format("{}: zip entry '{}' is missing", source_, name));
    const bool sized =
        (st.valid & ZIP_STAT_SIZE) && (st.valid & ZIP_STAT_COMP_SIZE) && (st.valid & ZIP_STAT_COMP_METHOD);
    if (!sized) throw FormatError(fmt::format("{}: zip entry '{}' has no size", source_, name));
    const uint64_t limit =
        st.comp_method == ZIP_CM_STORE ? file_size_ : std::min<uint64_t>(st.comp_size, file_size_) * 1100 + 1024;
    if (st.size > limit || (st.comp_method == ZIP_CM_STORE && st.comp_size != st.size))
      throw FormatError(
          fmt::format("{}: zip entry '{}' declares an implausible size of {} bytes", source_, name, st.size));
    return st.size;
  }

  ZipFile open(const std::string& name) const {
    ZipFile f(zip_fopen(zip_.get(), name.c_str(), 0), zip_fclose);
    if (!f) throw FormatError(fmt::format("{}: zip entry '{}': {}", source_, name, zip_strerror(zip_.get())));
    return f;
  }

  // The whole entry, at most max_bytes (what `what` may hold).
  std::vector<uint8_t> read(const std::string& name, uint64_t max_bytes, const char* what) const {
    const uint64_t n = size(name);
    if (n > max_bytes)
      throw FormatError(fmt::format("{}: zip entry '{}' of {} bytes is larger than {} can be ({} bytes)", source_, name,
                                    n, what, max_bytes));
    ZipFile f = open(name);
    std::vector<uint8_t> buf(static_cast<size_t>(n));
    read_exactly(f.get(), name, buf.data(), buf.size(), 0, n);
    check_end(f.get(), name, n);
    return buf;
  }

  // Reads n bytes of entry `name` (declared size `declared`, `got` bytes read so far).
  void read_exactly(zip_file_t* f, const std::string& name, uint8_t* dst, size_t n, uint64_t got,
                    uint64_t declared) const {
    while (n > 0) {
      const zip_int64_t r = zip_fread(f, dst, n);
      if (r < 0) throw FormatError(fmt::format("{}: zip entry '{}': {}", source_, name, zip_file_strerror(f)));
      if (r == 0)
        throw FormatError(fmt::format("{}: zip entry '{}': {} bytes read, {} declared", source_, name, got, declared));
      got += uint64_t(r);
      dst += r;
      n -= size_t(r);
    }
  }

  // After the last byte: one more read lets libzip verify the CRC of the whole entry.
  void check_end(zip_file_t* f, const std::string& name, uint64_t declared) const {
    uint8_t extra;
    const zip_int64_t tail = zip_fread(f, &extra, 1);
    if (tail != 0)
      throw FormatError(fmt::format("{}: zip entry '{}': {} bytes read, {} declared{}", source_, name,
                                    declared + (tail > 0 ? 1 : 0), declared,
                                    tail < 0 ? std::string(" (") + zip_file_strerror(f) + ")" : ""));
  }

 private:
  std::string source_;
  uint64_t file_size_ = 0;
  std::unique_ptr<zip_t, ZipCloser> zip_;
};

// A storage entry inflated front to back, only as far as it is read.
class ZipStorageStream : public io::StorageStream {
 public:
  ZipStorageStream(const ZipReader& zip, std::string name, uint64_t size)
      : zip_(zip), name_(std::move(name)), size_(size), f_(zip.open(name_)) {}

  void read(uint64_t at, uint8_t* dst, size_t n) override {
    FAULTBENCH_CHECK(at >= pos_ && n <= size_ - at, "zip storage read out of order");
    uint8_t skip[1 << 16];
    while (pos_ < at) {  // inflate and drop what no tensor needs
      const size_t k = size_t(std::min<uint64_t>(sizeof skip, at - pos_));
      zip_.read_exactly(f_.get(), name_, skip, k, pos_, size_);
      pos_ += k;
    }
    zip_.read_exactly(f_.get(), name_, dst, n, pos_, size_);
    pos_ += n;
  }

  // Read to its end (as a state dict's tensors read their storages): check the CRC.
  void finish() override {
    if (pos_ == size_) zip_.check_end(f_.get(), name_, size_);
  }

 private:
  const ZipReader& zip_;
  std::string name_;
  uint64_t size_;
  ZipFile f_;
  uint64_t pos_ = 0;
};

class ZipStorages : public io::StorageReader {
 public:
  ZipStorages(const ZipReader& zip, std::string prefix) : zip_(zip), prefix_(std::move(prefix)) {}

  void check(const io::StorageRef& s) override {
    const std::string& source = zip_.source();
    if (s.key.empty() || s.key.find('/') != std::string::npos || s.key.find("..") != std::string::npos)
      throw FormatError(fmt::format("{}: storage key '{}' is not a plain name", source, io::clip(s.key)));
    const uint64_t max_numel = uint64_t(INT64_MAX) / uint64_t(s.dtype.itemsize);
    if (uint64_t(s.root_numel) > max_numel)
      throw FormatError(fmt::format("{}: storage '{}' declares {} elements", source, io::clip(s.key), s.root_numel));
    const std::string name = entry(s);
    const uint64_t want = uint64_t(s.root_numel) * uint64_t(s.dtype.itemsize);
    const uint64_t size = zip_.size(name);
    if (size != want)
      throw FormatError(fmt::format("{}: zip entry '{}' has {} bytes, storage of {} elements x {} bytes declared",
                                    source, name, size, s.root_numel, s.dtype.itemsize));
  }

  std::unique_ptr<io::StorageStream> open(const io::StorageRef& s) override {
    return std::make_unique<ZipStorageStream>(zip_, entry(s), uint64_t(s.root_numel) * uint64_t(s.dtype.itemsize));
  }

 private:
  std::string entry(const io::StorageRef& s) const { return prefix_ + "data/" + s.key; }
  const ZipReader& zip_;
  std::string prefix_;
};

}  // namespace

StateDict read_torch_zip(const std::filesystem::path& path, const Graph* model) {
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
  if (found == 0)
    throw FormatError(fmt::format("{}: zip archive has no <dir>/data.pkl: not a torch.save file", source));
  if (found > 1) throw FormatError(fmt::format("{}: zip archive has {} data.pkl records", source, found));
  if (zip.has(prefix + "byteorder")) {
    std::vector<uint8_t> bo = zip.read(prefix + "byteorder", 16, "a byte order");
    if (std::string(bo.begin(), bo.end()) != "little")
      throw FormatError(
          fmt::format("{}: zip entry '{}byteorder': only little-endian checkpoints are supported", source, prefix));
  }
  const std::string pkl_name = prefix + "data.pkl";
  const std::vector<uint8_t> pkl = zip.read(pkl_name, io::Unpickler::kMaxPickleBytes, "a state dict pickle");
  io::Unpickler up(pkl, source + ": zip entry '" + pkl_name + "'");
  const int root = up.run();

  ZipStorages storages(zip, prefix);
  io::Selection selection(model);
  StateDict sd = io::build_state_dict(up, root, source, storages, selection);
  sd.format = "torch-zip";
  return sd;
}

}  // namespace faultbench
