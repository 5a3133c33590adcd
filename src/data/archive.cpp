// Safe archive extraction with libarchive (see transfer.h).
#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <system_error>
#include <vector>

#include "faultbench/data/transfer.h"
#include "faultbench/error.h"

namespace faultbench {

namespace fs = std::filesystem;

namespace {

// The relative path of an entry, or an error when it could escape dest_dir.
fs::path safe_relative(const std::string& name, const fs::path& archive) {
  if (name.empty()) throw FormatError(fmt::format("{}: entry with an empty name", archive.string()));
  const fs::path p(name);
  if (p.is_absolute() || name[0] == '/' || p.has_root_name()) {
    throw FormatError(fmt::format("{}: entry '{}': absolute paths are not allowed", archive.string(), name));
  }
  fs::path clean;
  for (const auto& part : p) {
    if (part == "..") {
      throw FormatError(fmt::format("{}: entry '{}': '..' components are not allowed", archive.string(), name));
    }
    if (part == "." || part.empty()) continue;
    clean /= part;
  }
  return clean;
}

}  // namespace

int64_t extract_archive(const fs::path& archive, const fs::path& dest_dir, int64_t max_total_bytes) {
  std::unique_ptr<struct archive, decltype(&archive_read_free)> a(archive_read_new(), &archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  if (archive_read_open_filename(a.get(), archive.c_str(), 1 << 16) != ARCHIVE_OK) {
    throw FormatError(fmt::format("{}: cannot open as an archive: {}", archive.string(),
                                  archive_error_string(a.get()) ? archive_error_string(a.get()) : "?"));
  }
  fs::create_directories(dest_dir);
  int64_t total = 0, files = 0;
  std::vector<char> buf(1 << 16);
  for (int64_t index = 0;; ++index) {
    struct archive_entry* entry = nullptr;
    const int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      throw FormatError(fmt::format("{}: entry {}: {}", archive.string(), index,
                                    archive_error_string(a.get()) ? archive_error_string(a.get()) : "read error"));
    }
    const char* raw = archive_entry_pathname(entry);
    const std::string name = raw ? raw : "";
    const fs::path rel = safe_relative(name, archive);
    const auto type = archive_entry_filetype(entry);
    if (rel.empty()) continue;  // "./"
    const fs::path out = dest_dir / rel;
    if (type == AE_IFDIR) {
      fs::create_directories(out);
      continue;
    }
    if (type != AE_IFREG || archive_entry_hardlink(entry) != nullptr) {
      throw FormatError(
          fmt::format("{}: entry '{}': only regular files and directories are allowed", archive.string(), name));
    }
    fs::create_directories(out.parent_path());
    std::ofstream file(out, std::ios::binary | std::ios::trunc);
    if (!file) throw IoError(fmt::format("{}: cannot open for writing", out.string()));
    for (;;) {
      const la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
      if (n == 0) break;
      if (n < 0) {
        throw FormatError(fmt::format("{}: entry '{}': {}", archive.string(), name,
                                      archive_error_string(a.get()) ? archive_error_string(a.get()) : "data error"));
      }
      total += n;
      if (total > max_total_bytes) {
        throw FormatError(
            fmt::format("{}: content exceeds {} bytes (at entry '{}')", archive.string(), max_total_bytes, name));
      }
      file.write(buf.data(), n);
    }
    file.close();
    if (!file) throw IoError(fmt::format("{}: write failed", out.string()));
    ++files;
  }
  return files;
}

}  // namespace faultbench
