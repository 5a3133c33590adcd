#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "faultbench/error.h"
#include "faultbench/util/atomic_file.h"
#include "test_support.h"

namespace faultbench {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(AtomicFile, WritesAndReplaces) {
  auto dir = testing::make_temp_dir("atomic");
  write_file_atomically(dir / "a.csv", "one\n");
  EXPECT_EQ(slurp(dir / "a.csv"), "one\n");
  write_file_atomically(dir / "a.csv", "two\n");
  EXPECT_EQ(slurp(dir / "a.csv"), "two\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "a.csv.tmp"));
}

// Issue change: the temporary file has a unique name now, so the message names the target
// and its folder (it named "<target>.tmp" before).
TEST(AtomicFile, MissingFolderIsAnIoErrorNamingThePath) {
  auto dir = testing::make_temp_dir("atomic");
  try {
    write_file_atomically(dir / "nope" / "a.csv", "x");
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "nope" / "a.csv").string() + ": cannot create a temporary file in " +
                                         (dir / "nope").string() + ": No such file or directory");
  }
}

// A link planted where the old fixed temporary name was ("a.csv.tmp") is neither followed
// nor used: its target keeps its bytes, the link stays a link.
TEST(AtomicFile, PlantedLinkAtTheTemporaryNameIsNotFollowed) {
  auto dir = testing::make_temp_dir("atomic");
  const auto victim = dir / "victim.txt";
  std::ofstream(victim) << "precious\n";
  std::filesystem::create_symlink(victim, dir / "a.csv.tmp");
  write_file_atomically(dir / "a.csv", "result\n");
  EXPECT_EQ(slurp(dir / "a.csv"), "result\n");
  EXPECT_EQ(slurp(victim), "precious\n");
  EXPECT_TRUE(std::filesystem::is_symlink(dir / "a.csv.tmp"));
}

// The library's own rule for a link at the target itself (the CLI refuses it earlier, see
// output_paths.h): rename replaces the link; its target is never written.
TEST(AtomicFile, LinkAtTheTargetIsReplacedNotFollowed) {
  auto dir = testing::make_temp_dir("atomic");
  const auto victim = dir / "victim.txt";
  std::ofstream(victim) << "precious\n";
  std::filesystem::create_symlink(victim, dir / "a.csv");
  write_file_atomically(dir / "a.csv", "result\n");
  EXPECT_FALSE(std::filesystem::is_symlink(dir / "a.csv"));
  EXPECT_EQ(slurp(dir / "a.csv"), "result\n");
  EXPECT_EQ(slurp(victim), "precious\n");
}

TEST(AtomicFile, TemporaryNamesAreUniqueAndRemovedOnFailure) {
  auto dir = testing::make_temp_dir("atomic");
  {
    TempFile a(dir / "a.csv"), b(dir / "a.csv");
    EXPECT_NE(a.path(), b.path());
    EXPECT_EQ(a.path().parent_path(), dir);
    EXPECT_EQ(a.path().filename().string().rfind("a.csv.tmp.", 0), 0u) << a.path();
    a.write("partial");
  }  // neither committed
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()), 0);
}

TEST(AtomicFile, StaleTemporariesOfTheTargetAreRemovedAndNothingElse) {
  auto dir = testing::make_temp_dir("atomic");
  std::ofstream(dir / "a.csv.tmp.Ab3dE9") << "left by a killed run";
  std::ofstream(dir / "a.csv.tmp") << "not ours";
  std::ofstream(dir / "a.csv.tmp.toolong1") << "not ours";
  std::ofstream(dir / "b.csv.tmp.Ab3dE9") << "another target's";
  std::filesystem::create_symlink(dir / "b.csv.tmp.Ab3dE9", dir / "a.csv.tmp.Zz9Zz9");
  remove_stale_temp_files(dir / "a.csv");
  EXPECT_FALSE(std::filesystem::exists(dir / "a.csv.tmp.Ab3dE9"));
  EXPECT_TRUE(std::filesystem::exists(dir / "a.csv.tmp"));
  EXPECT_TRUE(std::filesystem::exists(dir / "a.csv.tmp.toolong1"));
  EXPECT_TRUE(std::filesystem::exists(dir / "b.csv.tmp.Ab3dE9"));
  EXPECT_TRUE(std::filesystem::is_symlink(dir / "a.csv.tmp.Zz9Zz9"));
}

}  // namespace
}  // namespace faultbench
