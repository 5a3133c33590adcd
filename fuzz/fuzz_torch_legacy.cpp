// Fuzz target: legacy torch.save checkpoints (read_torch_legacy) and the dispatching
// read_checkpoint, then strict loading into ResNet20 (the shape/key checks).
#include "faultbench/io/checkpoint.h"
#include "faultbench/zoo/zoo.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static faultbench::Graph graph = faultbench::build_model("resnet20", "cifar10");
  const auto path = faultbench::fuzz::write_scratch("fuzz.th", data, size);
  faultbench::fuzz::run_expecting_errors([&] {
    const faultbench::StateDict sd = faultbench::read_torch_legacy(path, &graph);
    faultbench::load_state_dict(graph, sd);
  });
  return 0;
}
