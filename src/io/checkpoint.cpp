// Format sniffing for read_checkpoint().
#include "faultbench/io/checkpoint.h"

#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "faultbench/error.h"
#include "faultbench/io/safetensors.h"

namespace faultbench {

StateDict read_checkpoint(const std::filesystem::path& path, const Graph* model) {
  const std::string source = path.filename().string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot open for reading", path.string()));
  unsigned char head[16] = {};
  in.read(reinterpret_cast<char*>(head), sizeof head);
  const size_t got = size_t(in.gcount());
  // Legacy: pickle PROTO 2, LONG1 of 10 bytes (the magic number 0x1950a86a20f9469cfc6c).
  static const unsigned char kLegacy[4] = {0x80, 0x02, 0x8a, 0x0a};
  if (got >= 4 && std::memcmp(head, "PK\x03\x04", 4) == 0) return read_torch_zip(path, model);
  if (got >= 4 && std::memcmp(head, kLegacy, 4) == 0) return read_torch_legacy(path, model);
  // safetensors: u64 header length, then the JSON object.
  if (got >= 9 && head[8] == '{') return read_safetensors(path, model);
  if (got >= 262 || got == sizeof head) {
    // A tar archive (PyTorch < 0.1.10) has "ustar" at offset 257.
    char magic[5] = {};
    in.clear();
    in.seekg(257);
    in.read(magic, 5);
    if (in.gcount() == 5 && std::memcmp(magic, "ustar", 5) == 0)
      throw FormatError(fmt::format("{}: tar-based checkpoints (PyTorch < 0.1.10) are not supported", source));
  }
  throw FormatError(
      fmt::format("{}: unknown checkpoint format (not a torch.save zip or legacy file, not safetensors)", source));
}

}  // namespace faultbench
