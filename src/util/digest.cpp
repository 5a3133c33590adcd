#include "faultbench/util/digest.h"

#include <openssl/evp.h>

#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "faultbench/error.h"

namespace faultbench {

struct Digest::Ctx {
  EVP_MD_CTX* md = nullptr;
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Digest::Digest(DigestAlgorithm algorithm) : ctx_(std::make_unique<Ctx>()) {
  ctx_->md = EVP_MD_CTX_new();
  const EVP_MD* md = algorithm == DigestAlgorithm::Md5 ? EVP_md5() : EVP_sha256();
  if (ctx_->md == nullptr || EVP_DigestInit_ex(ctx_->md, md, nullptr) != 1)
    throw Error("digest: OpenSSL could not initialise a digest");
}

Digest::~Digest() = default;

void Digest::update(const void* data, size_t size) {
  if (size > 0 && EVP_DigestUpdate(ctx_->md, data, size) != 1) throw Error("digest: EVP_DigestUpdate failed");
}

size_t Digest::finish(unsigned char* out) {
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_->md, out, &len) != 1) throw Error("digest: EVP_DigestFinal_ex failed");
  return len;
}

std::string Digest::hex() {
  unsigned char raw[EVP_MAX_MD_SIZE];
  const size_t len = finish(raw);
  std::string out;
  out.reserve(2 * len);
  for (size_t i = 0; i < len; ++i) out += fmt::format("{:02x}", raw[i]);
  return out;
}

std::string file_digest_hex(const std::filesystem::path& path, DigestAlgorithm algorithm) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot open for reading", path.string()));
  Digest digest(algorithm);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), std::streamsize(buf.size()));
    if (in.gcount() > 0) digest.update(buf.data(), size_t(in.gcount()));
  }
  if (in.bad() || !in.eof()) throw IoError(fmt::format("{}: read failed", path.string()));
  return digest.hex();
}

}  // namespace faultbench
