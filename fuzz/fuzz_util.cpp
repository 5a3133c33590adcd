#include "fuzz_util.h"

#include <unistd.h>

#include <fstream>

namespace faultbench::fuzz {

const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::filesystem::path d =
        std::filesystem::path(tmp && *tmp ? tmp : "/tmp") / ("faultbench-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

std::filesystem::path write_scratch(const std::string& name, const uint8_t* data, size_t size) {
  const std::filesystem::path p = scratch_dir() / name;
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
  out.close();
  if (!out) finding("harness", ("cannot write " + p.string()).c_str());
  return p;
}

std::filesystem::path write_scratch(const std::string& name, std::string_view text) {
  return write_scratch(name, reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

void finding(const char* kind, const char* what) {
  std::fprintf(stderr, "\n==FAULTBENCH FUZZ FINDING== %s: %s\n", kind, what);
  std::fflush(stderr);
  std::abort();
}

}  // namespace faultbench::fuzz
