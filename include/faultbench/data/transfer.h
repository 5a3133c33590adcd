// Building blocks of `faultbench fetch`: HTTP download (libcurl), file digests (OpenSSL)
// and safe archive extraction (libarchive).
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>

namespace faultbench {

// Downloads `url` (http or https, redirects followed to http or https only; file:// when the
// URL itself is file://, for a local mirror) to `dest`: the body goes to a fresh temporary
// file beside it (TempFile, faultbench/util/atomic_file.h: unique name, never a link's
// target) and is renamed to `dest` only after a complete, successful (2xx) transfer, so
// `dest` never holds a partial file. IoError naming the URL otherwise.
// max_bytes bounds the size accepted from the server.
void download_file(const std::string& url, const std::filesystem::path& dest, int64_t max_bytes = int64_t(4) << 30);

// Lower-case hex digest of a file; algorithm "md5" or "sha256".
std::string file_digest(const std::filesystem::path& file, const std::string& algorithm);

// Throws FormatError "<file>: <algorithm> mismatch: expected X, found Y" unless the
// file's digest equals `expected` (case-insensitive hex).
void verify_digest(const std::filesystem::path& file, const std::string& algorithm, const std::string& expected);

// Extracts a tar (any compression libarchive reads) or zip archive into `dest_dir`
// (created if needed). Only regular files and directories are written. Entries with an
// absolute path, a '..' component, or of any other type (symlink, hard link, device) are
// rejected with a FormatError naming the archive and the entry, as is an archive whose
// content exceeds max_total_bytes. Returns the number of regular files written.
int64_t extract_archive(const std::filesystem::path& archive, const std::filesystem::path& dest_dir,
                        int64_t max_total_bytes = int64_t(8) << 30);

}  // namespace faultbench
