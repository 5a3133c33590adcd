#include "input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "faultbench/error.h"

namespace faultbench::io {

InputFile::InputFile(const std::filesystem::path& path) : path_(path.string()) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw IoError(fmt::format("{}: cannot open for reading", path_));
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw IoError(fmt::format("{}: cannot read: not a regular file", path_));
  }
  size_ = uint64_t(st.st_size);
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

void InputFile::read_at(uint64_t offset, void* dst, size_t n) const {
  auto* p = static_cast<uint8_t*>(dst);
  while (n > 0) {
    const ssize_t r = ::pread(fd_, p, n, off_t(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw IoError(fmt::format("{}: read failed: {}", path_, std::strerror(errno)));
    if (r == 0) throw IoError(fmt::format("{}: read failed: the file got shorter while it was read", path_));
    p += r;
    offset += uint64_t(r);
    n -= size_t(r);
  }
}

std::vector<uint8_t> InputFile::read_range(uint64_t offset, size_t n) const {
  std::vector<uint8_t> out(n);
  read_at(offset, out.data(), n);
  return out;
}

}  // namespace faultbench::io
