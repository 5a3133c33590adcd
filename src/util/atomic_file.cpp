#include "faultbench/util/atomic_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <system_error>

#include "faultbench/error.h"

namespace faultbench {

namespace fs = std::filesystem;

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr size_t kSuffixLength = 6;
constexpr const char* kTempMarker = ".tmp.";

std::string random_suffix() {
  unsigned char bytes[kSuffixLength];
  if (::getrandom(bytes, sizeof bytes, 0) != ssize_t(sizeof bytes)) {
    // No getrandom (old kernel, seccomp): uniqueness still comes from O_EXCL and retries.
    static thread_local std::mt19937_64 rng{std::random_device{}() ^ uint64_t(::getpid())};
    for (unsigned char& b : bytes) b = static_cast<unsigned char>(rng());
  }
  std::string s;
  for (unsigned char b : bytes) s += kAlphabet[b % (sizeof kAlphabet - 1)];
  return s;
}

fs::path folder_of(const fs::path& p) { return p.has_parent_path() ? p.parent_path() : fs::path("."); }

bool is_temp_name_of(const std::string& name, const std::string& target_name) {
  const std::string prefix = target_name + kTempMarker;
  if (name.size() != prefix.size() + kSuffixLength || name.compare(0, prefix.size(), prefix) != 0) return false;
  for (size_t i = prefix.size(); i < name.size(); ++i)
    if (std::strchr(kAlphabet, name[i]) == nullptr) return false;
  return true;
}

}  // namespace

TempFile::TempFile(const fs::path& target) : target_(target) {
  int err = 0;
  for (int attempt = 0; attempt < 100; ++attempt) {
    path_ = target.string() + kTempMarker + random_suffix();
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd_ >= 0) return;
    err = errno;
    if (err != EEXIST) break;  // EEXIST: the name is taken (by anything, a link too): draw again
  }
  throw IoError(target.string() + ": cannot create a temporary file in " + folder_of(target).string() + ": " +
                std::strerror(err));
}

TempFile::~TempFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!done_) ::unlink(path_.c_str());
}

void TempFile::write(std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw IoError(target_.string() + ": write failed: " + std::strerror(errno));
    }
    done += size_t(w);
  }
}

void TempFile::commit() {
  const int synced = ::fsync(fd_);
  const int sync_err = errno;
  const int closed = ::close(fd_);
  const int close_err = errno;
  fd_ = -1;
  if (synced != 0 || closed != 0)
    throw IoError(target_.string() + ": fsync/close failed: " + std::strerror(synced != 0 ? sync_err : close_err));
  // rename() replaces whatever is at the target, a link included, and never follows it.
  if (::rename(path_.c_str(), target_.c_str()) != 0)
    throw IoError(target_.string() + ": rename failed: " + std::strerror(errno));
  done_ = true;
  // Make the rename itself durable.
  const int dfd = ::open(folder_of(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void write_file_atomically(const fs::path& path, const std::string& text) {
  TempFile tmp(path);
  tmp.write(text);
  tmp.commit();
}

void remove_stale_temp_files(const fs::path& target) {
  const std::string name = target.filename().string();
  std::error_code ec;
  for (fs::directory_iterator it(folder_of(target), ec), end; !ec && it != end; it.increment(ec)) {
    if (!is_temp_name_of(it->path().filename().string(), name)) continue;
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode)) ::unlink(it->path().c_str());
  }
}

}  // namespace faultbench
