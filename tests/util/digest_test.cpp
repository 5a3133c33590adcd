#include <gtest/gtest.h>

#include <fstream>

#include "faultbench/error.h"
#include "faultbench/util/digest.h"
#include "test_support.h"

namespace faultbench {
namespace {

// Known answers from RFC 1321 and FIPS 180-2 for "abc".
TEST(Digest, KnownAnswersForAbc) {
  Digest md5(DigestAlgorithm::Md5);
  md5.update("a", 1);
  md5.update("bc", 2);
  EXPECT_EQ(md5.hex(), "900150983cd24fb0d6963f7d28e17f72");
  Digest sha(DigestAlgorithm::Sha256);
  sha.update("abc", 3);
  EXPECT_EQ(sha.hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, FileDigestEqualsBufferDigestAndNamesMissingFile) {
  const auto dir = testing::make_temp_dir("digest");
  std::ofstream(dir / "abc", std::ios::binary) << "abc";
  EXPECT_EQ(file_digest_hex(dir / "abc", DigestAlgorithm::Sha256),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  try {
    file_digest_hex(dir / "missing", DigestAlgorithm::Md5);
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace faultbench
