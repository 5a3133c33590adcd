#include "faultbench/util/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "faultbench/error.h"

namespace faultbench {

long flock_holder_pid(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return -1;
  // Lines like "3: FLOCK  ADVISORY  WRITE 4242 00:2f:1234 0 EOF" (waiters: "3: -> FLOCK ...");
  // the device is the superblock's major:minor in hex. Some file systems (btrfs
  // subvolumes) report another st_dev than that, so an inode-only match is the fallback
  // when it is the only FLOCK on that inode number.
  std::ifstream in("/proc/locks");
  std::string line;
  long by_dev = -1, by_ino = -1;
  int ino_matches = 0;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string number, type, advisory, access, dev_ino;
    long pid = 0;
    if (!(f >> number >> type) || type != "FLOCK") continue;  // "->" waiters and POSIX locks
    if (!(f >> advisory >> access >> pid >> dev_ino)) continue;
    unsigned major_no = 0, minor_no = 0;
    unsigned long long ino = 0;
    if (std::sscanf(dev_ino.c_str(), "%x:%x:%llu", &major_no, &minor_no, &ino) != 3) continue;
    if (ino != static_cast<unsigned long long>(st.st_ino)) continue;
    ++ino_matches;
    by_ino = pid;
    if (major_no == major(st.st_dev) && minor_no == minor(st.st_dev)) by_dev = pid;
  }
  const long pid = by_dev > 0 ? by_dev : (ino_matches == 1 ? by_ino : -1);
  return pid > 0 ? pid : -1;
}

int open_locked(const std::filesystem::path& path, const std::string& holder) {
  for (int attempt = 0;; ++attempt) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
      const int err = errno;
      struct stat st {};
      if (err == ELOOP && ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
        throw IoError(fmt::format("{}: is a symbolic link: refusing to follow it", path.string()));
      throw IoError(fmt::format("{}: cannot open for writing: {}", path.string(), std::strerror(err)));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      const long pid = err == EWOULDBLOCK ? flock_holder_pid(fd) : -1;
      ::close(fd);
      if (err != EWOULDBLOCK) throw IoError(fmt::format("{}: cannot lock: {}", path.string(), std::strerror(err)));
      throw IoError(fmt::format("{}: locked by {} ({}); wait for it to finish or stop it", path.string(), holder,
                                pid > 0 ? fmt::format("pid {}", pid) : std::string("pid unknown")));
    }
    // The file may have been unlinked (or replaced) after our open and before the lock:
    // then the lock protects nothing anyone else will open, so start over.
    struct stat held {
    }, now{};
    if (::fstat(fd, &held) == 0 && ::lstat(path.c_str(), &now) == 0 && held.st_dev == now.st_dev &&
        held.st_ino == now.st_ino)
      return fd;
    ::close(fd);
    if (attempt >= 100)
      throw IoError(fmt::format("{}: replaced again and again while being locked; giving up", path.string()));
  }
}

}  // namespace faultbench
