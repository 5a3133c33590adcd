// Fuzz target: fault-list CSV in the PyTorch convention: parse, validate against the
// ResNet20 and MobileNetV2 (depthwise conv, linear) sites, then check two properties of a
// list that passed: writing and re-reading it gives the same faults and results, and
// converting to Keras and back is the identity.
#include <sstream>

#include "faultbench/faults/fault_list_csv.h"
#include "faultbench/faults/keras.h"
#include "faultbench/faults/validate.h"
#include "faultbench/zoo/zoo.h"
#include "fuzz_util.h"

using namespace faultbench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<WeightSite> sites[2] = {fault_sites(build_model("resnet20", "cifar10")),
                                                   fault_sites(build_model("mobilenetv2", "cifar10"))};
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::run_expecting_errors([&] {
    std::istringstream in(text);
    const FaultList list = parse_fault_list(in, "fuzz_FL.csv");
    for (const auto& s : sites) {
      try {
        validate_fault_list(list, s);
      } catch (const FormatError&) {
        continue;
      }
      std::istringstream again(format_fault_list(list));
      const FaultList back = parse_fault_list(again, "fuzz_FL.csv(rewritten)");
      if (back.faults != list.faults || back.results != list.results)
        fuzz::finding("faultlist", "format_fault_list + parse_fault_list is not the identity");
      const FaultList round = to_torch(to_keras(list, s), s);
      if (round.faults != list.faults) fuzz::finding("faultlist", "to_torch(to_keras(list)) != list");
    }
  });
  return 0;
}
