// A data root: the test set is found in the root or one sub-folder, ambiguity and absence
// are errors that say what was looked for.
#include "faultbench/data/layout.h"

#include <gtest/gtest.h>

#include <fstream>

#include "faultbench/error.h"
#include "test_support.h"

namespace faultbench {
namespace {

namespace fs = std::filesystem;

void touch(const fs::path& p) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << "x";
}

TEST(DataLayout, FindsTheSetInTheRootOrOneFolderDown) {
  const fs::path root = testing::make_temp_dir("layout");
  touch(root / "cifar-10-batches-bin" / "test_batch.bin");
  touch(root / "rebuilt" / "cifar-100-binary" / "test.bin");
  fs::create_directories(root / "gtsrb" / "GTSRB" / "Final_Test" / "Images");
  EXPECT_EQ(locate_test_set("cifar10", root), root);
  EXPECT_EQ(locate_test_set("cifar100", root), root / "rebuilt");
  EXPECT_EQ(locate_test_set("gtsrb", root), root / "gtsrb");
}

TEST(DataLayout, TwoCopiesAreAmbiguousAndNoneSaysWhereItLooked) {
  const fs::path root = testing::make_temp_dir("layout");
  touch(root / "a" / "cifar-10-batches-bin" / "test_batch.bin");
  touch(root / "b" / "cifar-10-batches-bin" / "test_batch.bin");
  try {
    locate_test_set("cifar10", root);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), root.string() + ": 2 test sets of cifar10 found (" +
                                         (root / "a/cifar-10-batches-bin/test_batch.bin").string() + ", " +
                                         (root / "b/cifar-10-batches-bin/test_batch.bin").string() +
                                         "): point --data-dir at the one to use");
  }
  try {
    locate_test_set("cifar100", root);
    FAIL();
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()),
              root.string() + ": no cifar100 test set: looked for " + (root / "cifar-100-binary/test.bin").string() +
                  " and " + (root / "*/cifar-100-binary/test.bin").string() +
                  "; get it with faultbench fetch --dataset cifar100 --data-dir " + root.string());
  }
}

}  // namespace
}  // namespace faultbench
