// Fuzz target: safetensors files (header JSON, dtypes, offsets), the metadata reader,
// the format sniffing of read_checkpoint, and strict loading into ResNet20.
#include "faultbench/io/checkpoint.h"
#include "faultbench/io/safetensors.h"
#include "faultbench/zoo/zoo.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static faultbench::Graph graph = faultbench::build_model("resnet20", "cifar10");
  const auto path = faultbench::fuzz::write_scratch("fuzz.safetensors", data, size);
  faultbench::fuzz::run_expecting_errors([&] { (void)faultbench::read_safetensors_metadata(path); });
  faultbench::fuzz::run_expecting_errors([&] {
    const faultbench::StateDict sd = faultbench::read_checkpoint(path, graph);
    faultbench::load_state_dict(graph, sd);
  });
  return 0;
}
