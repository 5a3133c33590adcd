#include "faultbench/campaign/hashing.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "faultbench/error.h"

namespace faultbench {

namespace {
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

MdCtx new_sha256() {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw Error("sha256: OpenSSL could not initialise a digest");
  return ctx;
}
}  // namespace

std::string sha256_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot open for reading", path.string()));
  MdCtx ctx = new_sha256();
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), std::streamsize(buf.size()));
    const std::streamsize got = in.gcount();
    if (got > 0) EVP_DigestUpdate(ctx.get(), buf.data(), size_t(got));
  }
  if (in.bad()) throw IoError(fmt::format("{}: read error", path.string()));
  unsigned char digest[32];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  std::string hex;
  for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

void sha256_bytes(const void* data, size_t size, unsigned char digest[32]) {
  MdCtx ctx = new_sha256();
  EVP_DigestUpdate(ctx.get(), data, size);
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
}

}  // namespace faultbench
