#include "faultbench/util/file_bytes.h"

#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "faultbench/error.h"

namespace faultbench {

std::string read_file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot open for reading", path.string()));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw IoError(fmt::format("{}: read error", path.string()));
  return bytes;
}

}  // namespace faultbench
