// `faultbench fetch`: the atomic download/verify/unpack sequence (see fetch.h; the catalog
// of sources is fetch_catalog.cpp).
#include "faultbench/data/fetch.h"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>
#include <vector>

#include <unistd.h>

#include "faultbench/data/dataset.h"
#include "faultbench/data/transfer.h"
#include "faultbench/error.h"
#include "faultbench/util/output_paths.h"

namespace faultbench {

namespace fs = std::filesystem;

namespace {

// What each dataset's archives leave in place, relative to data_dir.
std::vector<fs::path> dataset_targets(const std::string& dataset) {
  if (dataset == "cifar10") return {"cifar-10-batches-bin"};
  if (dataset == "cifar100") return {"cifar-100-binary"};
  if (dataset == "gtsrb") return {fs::path("GTSRB") / "Final_Test", "GT-final_test.csv"};
  throw UsageError(fmt::format("unknown dataset '{}' (expected cifar10, cifar100 or gtsrb)", dataset));
}

// A new folder "<prefix>XXXXXX" made by mkdtemp (a fresh name: never a planted link or
// an existing folder), removed on every exit path.
struct TempDir {
  fs::path path;
  explicit TempDir(const fs::path& prefix) {
    std::string name = prefix.string() + "XXXXXX";
    if (::mkdtemp(name.data()) == nullptr)
      throw IoError(fmt::format("{}: cannot create a temporary folder: {}", name, std::strerror(errno)));
    path = name;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// The folders that making `dir` creates, removed again on failure (deepest first, each only
// when empty) so that a failed fetch leaves the data root as it was.
struct NewFolders {
  std::vector<fs::path> made;
  bool keep = false;
  explicit NewFolders(const fs::path& dir) {
    std::error_code ec;
    for (fs::path p = dir; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
      made.push_back(p);
      if (p == p.parent_path()) break;
    }
    fs::create_directories(dir);
  }
  ~NewFolders() {
    if (keep) return;
    std::error_code ec;
    for (const fs::path& p : made) fs::remove(p, ec);
  }
};

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// FormatError "<where>: <algorithm> checksum mismatch: expected X, found Y (<hint>)" unless
// `file` has the digest published for `f`.
void check_digest(const RemoteFile& f, const fs::path& file, const std::string& where, const std::string& hint) {
  const std::string want = lower(f.digest), got = file_digest(file, f.algorithm);
  if (got != want) {
    throw FormatError(
        fmt::format("{}: {} checksum mismatch: expected {}, found {} ({})", where, f.algorithm, want, got, hint));
  }
}

// Downloads f to `dest` (a fresh path in a temporary folder) and checks it. Errors name the
// URL, never the temporary file.
void fetch_one(const RemoteFile& f, const fs::path& dest, const FetchLog& log) {
  log(fmt::format("downloading {}", f.url));
  if (f.size > 0)
    download_file(f.url, dest, f.size);  // the published size bounds what is accepted
  else
    download_file(f.url, dest);
  // A Git LFS pointer instead of the object: a mirror made from a clone without LFS, or a
  // URL that bypassed the LFS media server.
  {
    std::ifstream in(dest, std::ios::binary);
    std::string head(40, '\0');
    in.read(head.data(), std::streamsize(head.size()));
    if (head.rfind("version https://git-lfs", 0) == 0) {
      throw FormatError(
          fmt::format("{}: {} is a Git LFS pointer, not the file (a mirror made from a git clone needs 'git lfs pull')",
                      f.url, f.file_name));
    }
  }
  if (f.digest.empty()) {
    log(fmt::format("warning: no published checksum for {}; sha256 {}", f.file_name, file_digest(dest, "sha256")));
  } else {
    check_digest(f, dest, f.url, "corrupt or wrong download");
    log(fmt::format("{}: {} ok", f.file_name, f.algorithm));
  }
}

}  // namespace

void fetch_dataset(const std::string& dataset, const fs::path& data_dir, const std::vector<RemoteFile>& archives,
                   bool force, const FetchLog& log) {
  const auto targets = dataset_targets(dataset);
  bool present = true;
  for (const auto& t : targets) present = present && fs::exists(data_dir / t);
  if (present && !force) {
    log(fmt::format("{}: already present in {} (use --force to download again)", dataset, data_dir.string()));
    return;
  }
  NewFolders folders(data_dir);
  TempDir tmp(data_dir / fmt::format(".faultbench-fetch-{}-", dataset));
  const fs::path unpack = tmp.path / "unpack";
  for (const auto& a : archives) {
    const fs::path file = tmp.path / a.file_name;
    fetch_one(a, file, log);
    const int64_t n = extract_archive(file, unpack);
    log(fmt::format("{}: {} files unpacked", a.file_name, n));
    fs::remove(file);  // keep the peak disk use near one copy
  }
  // The unpacked layout must load as a complete test set before it replaces anything.
  ImageSet check;
  try {
    check = load_test_set(dataset, unpack);
  } catch (const Error& e) {
    throw FormatError(fmt::format("{}: the downloaded archives do not hold a valid {} test set: {}", data_dir.string(),
                                  dataset, e.what()));
  }
  for (const auto& t : targets) {
    const fs::path src = unpack / t, dst = data_dir / t;
    fs::create_directories(dst.parent_path());
    if (fs::exists(dst)) {
      const fs::path old = tmp.path / "old" / t;
      fs::create_directories(old.parent_path());
      fs::rename(dst, old);
    }
    fs::rename(src, dst);
  }
  folders.keep = true;
  log(fmt::format("{}: {} test images in {} (sha256 {})", dataset, check.size(), data_dir.string(), check.sha256()));
}

fs::path fetch_file(const RemoteFile& file, const fs::path& dest, bool force, const FetchLog& log) {
  if (fs::exists(dest) && !force) {
    if (!file.digest.empty()) check_digest(file, dest, dest.string(), "--force downloads it again");
    log(fmt::format("{}: already present (use --force to download again)", dest.string()));
    return dest;
  }
  // The project's output policy: a link (even a dangling one) or a folder at dest is
  // refused, never replaced.
  // The folders it makes are removed again when the fetch fails (the guard's check finds
  // them in place and creates none of its own).
  NewFolders folders(dest.parent_path());
  IoPlan plan;
  plan.output("fetch destination", dest);
  plan.check();
  TempDir tmp(dest.parent_path() / ".faultbench-fetch-");
  const fs::path part = tmp.path / file.file_name;
  fetch_one(file, part, log);
  std::error_code ec;
  fs::rename(part, dest, ec);
  if (ec) throw IoError(fmt::format("{}: cannot rename the download into place: {}", dest.string(), ec.message()));
  folders.keep = true;
  log(fmt::format("saved {}", dest.string()));
  return dest;
}

fs::path fetch_weights(const RemoteFile& file, const std::string& dataset, const fs::path& data_dir, bool force,
                       const FetchLog& log) {
  return fetch_file(file, data_dir / "weights" / dataset / file.file_name, force, log);
}

std::vector<fs::path> fetch_faultlists(const std::vector<PublishedFaultList>& lists, const fs::path& data_dir,
                                       bool force, const FetchLog& log) {
  std::vector<fs::path> out;
  for (const PublishedFaultList& l : lists) out.push_back(fetch_file(l.file, data_dir / l.relative_path(), force, log));
  return out;
}

}  // namespace faultbench
