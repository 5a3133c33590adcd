// Message digests (OpenSSL EVP): the one place that hashes files and buffers, for
// download checksums, dataset/weights fingerprints recorded with results, and journal
// record checksums.
#pragma once
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

namespace faultbench {

enum class DigestAlgorithm { Md5, Sha256 };

// Incremental digest: update() any number of times, then hex() or finish() once.
class Digest {
 public:
  explicit Digest(DigestAlgorithm algorithm);
  ~Digest();
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;

  void update(const void* data, size_t size);
  // Writes the raw digest (16 bytes for md5, 32 for sha256) and returns its length.
  size_t finish(unsigned char* out);
  // Lower-case hex of the digest.
  std::string hex();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// Lower-case hex digest of a file's bytes. IoError names the file when it cannot be read.
std::string file_digest_hex(const std::filesystem::path& path, DigestAlgorithm algorithm);

}  // namespace faultbench
