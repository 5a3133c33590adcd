#include "faultbench/campaign/hashing.h"

#include "faultbench/util/digest.h"

namespace faultbench {

std::string sha256_file(const std::filesystem::path& path) { return file_digest_hex(path, DigestAlgorithm::Sha256); }

void sha256_bytes(const void* data, size_t size, unsigned char digest[32]) {
  Digest d(DigestAlgorithm::Sha256);
  d.update(data, size);
  d.finish(digest);
}

}  // namespace faultbench
