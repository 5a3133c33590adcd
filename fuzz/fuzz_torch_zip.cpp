// Fuzz target: zip torch.save checkpoints (read_torch_zip, libzip underneath), then
// strict loading into ResNet20.
//
// Two input modes. Raw (first byte not 'Z'): the input is the file, which mostly
// exercises libzip's and the reader's archive checks (a mutated zip rarely stays valid).
// Structured (first byte 'Z'): the rest is split at "#FB#" into data.pkl and the storages
// data/0, data/1, ..., which the harness packs into a valid archive/ zip (stored, correct
// CRCs), so that the fuzzer reaches the pickle, storage-size and tensor-view checks.
#include <zip.h>

#include <string>
#include <string_view>
#include <vector>

#include "faultbench/io/checkpoint.h"
#include "faultbench/zoo/zoo.h"
#include "fuzz_util.h"

namespace {

void write_structured(const std::filesystem::path& path, std::string_view body) {
  std::vector<std::string> pieces;
  for (size_t start = 0;;) {
    const size_t p = body.find("#FB#", start);
    pieces.emplace_back(body.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 4;
  }
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (!z) faultbench::fuzz::finding("harness", "zip_open failed");
  auto add = [&](const std::string& name, const std::string& bytes) {
    zip_source_t* src = zip_source_buffer(z, bytes.data(), bytes.size(), 0);
    const zip_int64_t idx = src ? zip_file_add(z, name.c_str(), src, ZIP_FL_OVERWRITE) : -1;
    if (idx < 0) faultbench::fuzz::finding("harness", "zip_file_add failed");
    zip_set_file_compression(z, zip_uint64_t(idx), ZIP_CM_STORE, 0);
  };
  const std::string little = "little";
  add("archive/data.pkl", pieces[0]);
  add("archive/byteorder", little);
  for (size_t i = 1; i < pieces.size(); ++i) add("archive/data/" + std::to_string(i - 1), pieces[i]);
  if (zip_close(z) != 0) faultbench::fuzz::finding("harness", "zip_close failed");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static faultbench::Graph graph = faultbench::build_model("resnet20", "cifar10");
  std::filesystem::path path;
  if (size > 0 && data[0] == 'Z') {
    path = faultbench::fuzz::scratch_dir() / "fuzz.pt";
    write_structured(path, std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  } else {
    path = faultbench::fuzz::write_scratch("fuzz.pt", data, size);
  }
  faultbench::fuzz::run_expecting_errors([&] {
    const faultbench::StateDict sd = faultbench::read_torch_zip(path, &graph);
    faultbench::load_state_dict(graph, sd);
  });
  return 0;
}
