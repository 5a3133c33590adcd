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

TEST(AtomicFile, MissingFolderIsAnIoErrorNamingThePath) {
  auto dir = testing::make_temp_dir("atomic");
  try {
    write_file_atomically(dir / "nope" / "a.csv", "x");
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("nope/a.csv.tmp"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace faultbench
