// An exclusive lock on a file that one process writes (the campaign journal), so that two
// processes never write it at the same time.
#pragma once
#include <filesystem>
#include <string>

namespace faultbench {

// Opens `path` for writing (created empty, mode 0644 before the umask, when absent)
// without following a symbolic link at it, and takes flock(LOCK_EX | LOCK_NB) on it. The
// lock lasts until the returned descriptor is closed, which the kernel also does when the
// process exits or is killed: a crash never leaves a stale lock. When the path was removed
// or replaced between the open and the lock (the holder finished and deleted it), it
// opens again, so the lock always holds the file now at `path`. Throws IoError:
//   "<path>: cannot open for writing: <system error>"
//   "<path>: is a symbolic link: refusing to follow it"
//   "<path>: locked by <holder> (pid N); wait for it to finish or stop it"  (another holder;
//    the pid comes from /proc/locks, "pid unknown" where that does not tell)
int open_locked(const std::filesystem::path& path, const std::string& holder);

// The pid holding a flock on the open file `fd`, from /proc/locks; -1 when not found.
long flock_holder_pid(int fd);

}  // namespace faultbench
