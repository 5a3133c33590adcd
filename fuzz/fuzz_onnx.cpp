// Fuzz target: ONNX models (protobuf parsing within limits, tensors and external data,
// node ordering, constant folding, mapping to the graph IR). The input is written as
// scratch/onnx/model.onnx beside a small w.bin, so that external data inside the folder is
// read and any other location refused.
#include <fstream>

#include "faultbench/onnx/import.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path dir = [] {
    const auto d = faultbench::fuzz::scratch_dir() / "onnx";
    std::filesystem::create_directories(d);
    std::ofstream(d / "w.bin", std::ios::binary) << std::string(4096, '\1');
    return d;
  }();
  const auto path = faultbench::fuzz::write_scratch("onnx/model.onnx", data, size);
  faultbench::OnnxImportOptions options;
  options.max_constant_elements = 1 << 20;  // folded tensors: keep each input's work small
  faultbench::fuzz::run_expecting_errors([&] { (void)faultbench::import_onnx(path, options); });
  faultbench::fuzz::run_expecting_errors([&] {
    (void)faultbench::import_onnx_bytes(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.onnx",
                                        options);
  });
  return 0;
}
