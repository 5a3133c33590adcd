// Plain driver for the fuzz targets without libFuzzer (FAULTBENCH_BUILD_FUZZ_REPLAY): runs
// LLVMFuzzerTestOneInput once on each file named on the command line, or on each regular
// file in a folder named there (sorted by name, not recursive). Used by scripts/valgrind.sh
// to run the seed corpora under memcheck, which cannot run libFuzzer's ASan build; it also
// replays a finding with any compiler and a debugger.
//
// Each input is copied into a heap buffer of exactly its size, as libFuzzer does, so that
// a read past the end is a memcheck error. Exit 0 when every input ran; 2 when an argument
// is missing or holds no file (a target that ran on nothing must not pass); a finding
// aborts (fuzz_util.h) as it would under libFuzzer.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

namespace {

bool collect(const fs::path& arg, std::vector<fs::path>& files) {
  std::error_code ec;
  if (fs::is_directory(arg, ec)) {
    std::vector<fs::path> found;
    for (const auto& e : fs::directory_iterator(arg, ec))
      if (e.is_regular_file()) found.push_back(e.path());
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
    return !ec;
  }
  if (fs::is_regular_file(arg, ec)) {
    files.push_back(arg);
    return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_FOLDER...\n", argv[0]);
    return 2;
  }
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    if (!collect(argv[i], files)) {
      std::fprintf(stderr, "%s: %s: no such file or folder\n", argv[0], argv[i]);
      return 2;
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "%s: no input files\n", argv[0]);
    return 2;
  }
  for (const fs::path& p : files) {
    std::ifstream in(p, std::ios::binary);
    const std::string bytes(std::istreambuf_iterator<char>(in), {});
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "%s: %s: cannot read\n", argv[0], p.c_str());
      return 2;
    }
    std::unique_ptr<uint8_t[]> buf(new uint8_t[bytes.size()]);
    std::copy(bytes.begin(), bytes.end(), buf.get());
    LLVMFuzzerTestOneInput(buf.get(), bytes.size());
  }
  std::error_code ec;
  fs::remove_all(faultbench::fuzz::scratch_dir(), ec);
  std::fprintf(stderr, "%s: ran %zu inputs\n", argv[0], files.size());
  return 0;
}
