// The exclusive lock of open_locked: a second holder is refused with the first's pid,
// links are not followed, the lock ends with the descriptor.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "faultbench/error.h"
#include "faultbench/util/file_lock.h"
#include "test_support.h"

namespace faultbench {
namespace {

namespace fs = std::filesystem;

TEST(FileLock, SecondLockIsRefusedNamingTheHoldersPid) {
  const auto path = testing::make_temp_dir("lock") / "j";
  const int fd = open_locked(path, "the test");
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(fs::exists(path));
  EXPECT_EQ(flock_holder_pid(fd), long(::getpid()));
  // flock locks belong to the open file: a second open in this process conflicts too.
  try {
    open_locked(path, "another faultbench campaign");
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), path.string() + ": locked by another faultbench campaign (pid " +
                                         std::to_string(::getpid()) + "); wait for it to finish or stop it");
  }
  ::close(fd);
  const int again = open_locked(path, "the test");  // released with the descriptor
  EXPECT_GE(again, 0);
  ::close(again);
}

TEST(FileLock, LinkAtThePathIsNotFollowed) {
  const auto dir = testing::make_temp_dir("lock");
  std::ofstream(dir / "victim") << "precious";
  fs::create_symlink(dir / "victim", dir / "j");
  try {
    open_locked(dir / "j", "x");
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "j").string() + ": is a symbolic link: refusing to follow it");
  }
  std::ifstream in(dir / "victim");
  std::string s;
  in >> s;
  EXPECT_EQ(s, "precious");
}

}  // namespace
}  // namespace faultbench
