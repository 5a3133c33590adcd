// The output guard: same file by inode (hard link, other spelling), by normalized path
// (outputs that do not exist yet), links and non-regular files at output paths.
#include <gtest/gtest.h>

#include <fstream>

#include "faultbench/error.h"
#include "faultbench/util/output_paths.h"
#include "test_support.h"

namespace faultbench {
namespace {

namespace fs = std::filesystem;

// The message of the error check() throws, "" when it passes; `usage` says which type.
template <class E>
std::string refusal(const IoPlan& plan) {
  try {
    plan.check();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

struct Folder {
  fs::path dir = testing::make_temp_dir("output-paths");
  Folder() {
    std::ofstream(dir / "w.pt") << "weights";
    fs::create_directories(dir / "a");
    std::ofstream(dir / "a" / "x") << "x";
  }
};

TEST(IoPlan, DistinctFilesPass) {
  Folder f;
  IoPlan plan;
  plan.input("--weights", f.dir / "w.pt");
  plan.output("--out", f.dir / "a" / "x");     // exists, another file
  plan.output("--logits", f.dir / "new.csv");  // does not exist
  EXPECT_NO_THROW(plan.check());
}

TEST(IoPlan, OutputEqualToAnInputIsRefusedNamingBoth) {
  Folder f;
  IoPlan plan;
  plan.input("--weights", f.dir / "w.pt");
  plan.output("--logits", f.dir / "w.pt");
  EXPECT_EQ(refusal<UsageError>(plan), "--logits " + (f.dir / "w.pt").string() + " is the same file as --weights " +
                                           (f.dir / "w.pt").string() +
                                           ": refusing to overwrite an input; choose another output path");
  EXPECT_EQ(std::ifstream(f.dir / "w.pt").get(), 'w');
}

TEST(IoPlan, HardLinkToAnInputIsTheSameFile) {
  Folder f;
  fs::create_hard_link(f.dir / "w.pt", f.dir / "hard.pt");
  IoPlan plan;
  plan.input("--weights", f.dir / "w.pt");
  plan.output("--out", f.dir / "hard.pt");
  EXPECT_NE(refusal<UsageError>(plan).find("is the same file as --weights"), std::string::npos);
}

TEST(IoPlan, InputGivenThroughALinkIsTheSameFile) {
  Folder f;
  fs::create_symlink(f.dir / "w.pt", f.dir / "link.pt");
  IoPlan plan;
  plan.input("--weights", f.dir / "link.pt");
  plan.output("--out", f.dir / "w.pt");
  EXPECT_NE(refusal<UsageError>(plan).find("is the same file as --weights"), std::string::npos);
}

TEST(IoPlan, OtherSpellingOfAnExistingFileIsTheSameFile) {
  Folder f;
  IoPlan plan;
  plan.input("--faults", f.dir / "a" / "x");
  plan.output("--out", f.dir / "." / "a" / ".." / "a" / "x");
  EXPECT_NE(refusal<UsageError>(plan).find("is the same file as --faults"), std::string::npos);
}

TEST(IoPlan, OtherSpellingOfAMissingFileIsTheSameFile) {
  Folder f;
  const fs::path cwd = fs::current_path();
  fs::current_path(f.dir);
  IoPlan plan;
  plan.output("--out", "a/new.csv");
  plan.output("--profile", "./a/../a/new.csv");
  const std::string why = refusal<UsageError>(plan);
  fs::current_path(cwd);
  EXPECT_EQ(why,
            "--profile ./a/../a/new.csv is the same file as --out a/new.csv: two outputs cannot share a "
            "file; choose another output path");
}

TEST(IoPlan, MissingFileBehindAFolderLinkIsTheSameFile) {
  Folder f;
  fs::create_directory_symlink(f.dir / "a", f.dir / "alias");
  IoPlan plan;
  plan.output("--out", f.dir / "a" / "new.csv");
  plan.output("the sidecar of --out", f.dir / "alias" / "new.csv");
  EXPECT_NE(refusal<UsageError>(plan).find("two outputs cannot share a file"), std::string::npos);
}

TEST(IoPlan, ExistingOutputEqualToAnotherOutputIsRefused) {
  Folder f;
  IoPlan plan;
  plan.output("--out", f.dir / "a" / "x");
  plan.output("--profile", f.dir / "a" / "x");
  EXPECT_NE(refusal<UsageError>(plan).find("--profile " + (f.dir / "a" / "x").string() + " is the same file as --out"),
            std::string::npos);
}

TEST(IoPlan, SymbolicLinkAtAnOutputIsRefusedAndNotFollowed) {
  Folder f;
  fs::create_symlink("w.pt", f.dir / "out.csv");
  IoPlan plan;
  plan.output("--out", f.dir / "out.csv");
  EXPECT_EQ(refusal<IoError>(plan), "--out " + (f.dir / "out.csv").string() +
                                        ": is a symbolic link (to w.pt): refusing to write through it or replace "
                                        "it; remove it or choose another path");
  // A dangling link too: writing through it would create its target.
  fs::create_symlink(f.dir / "nowhere", f.dir / "dangling.csv");
  IoPlan dangling;
  dangling.output("--out", f.dir / "dangling.csv");
  EXPECT_NE(refusal<IoError>(dangling).find("is a symbolic link"), std::string::npos);
}

TEST(IoPlan, FolderOrDeviceAtAnOutputIsRefused) {
  Folder f;
  IoPlan folder;
  folder.output("--out", f.dir / "a");
  EXPECT_EQ(refusal<IoError>(folder),
            "--out " + (f.dir / "a").string() + ": is a folder: refusing to replace it; choose another path");
  IoPlan device;
  device.output("--logits", "/dev/null");
  EXPECT_EQ(refusal<IoError>(device),
            "--logits /dev/null: is a character device: refusing to replace it; choose another path");
}

TEST(IoPlan, FileOfAnInputFolderIsAnInput) {
  Folder f;
  fs::create_hard_link(f.dir / "a" / "x", f.dir / "elsewhere");
  IoPlan plan;
  plan.input_folder("the test image", f.dir / "a");
  plan.output("--logits", f.dir / "elsewhere");
  EXPECT_EQ(refusal<UsageError>(plan), "--logits " + (f.dir / "elsewhere").string() +
                                           " is the same file as the test image " + (f.dir / "a" / "x").string() +
                                           ": refusing to overwrite an input; choose another output path");
  IoPlan fresh;  // a new file in the folder replaces nothing
  fresh.input_folder("the test image", f.dir / "a");
  fresh.output("--logits", f.dir / "a" / "new.csv");
  EXPECT_NO_THROW(fresh.check());
}

}  // namespace
}  // namespace faultbench

namespace faultbench {
namespace {

TEST(OutputGuardFolders, MissingOutputFoldersAreCreatedBeforeTheWork) {
  const auto dir = testing::make_temp_dir("guard-folders");
  IoPlan plan;
  plan.output("--out", dir / "new" / "deeper" / "R.csv");
  plan.check();
  EXPECT_TRUE(std::filesystem::is_directory(dir / "new" / "deeper"));
  // A folder that cannot be made (a file stands in its way) is an error naming the output.
  { std::ofstream(dir / "blocked") << "x"; }
  IoPlan blocked;
  blocked.output("--logits", dir / "blocked" / "x.csv");
  try {
    blocked.check();
    FAIL() << "accepted";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), "--logits " + (dir / "blocked" / "x.csv").string() +
                                         ": cannot create its folder " + (dir / "blocked").string() +
                                         ": Not a directory");
  }
}

}  // namespace
}  // namespace faultbench
