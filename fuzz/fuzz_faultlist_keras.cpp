// Fuzz target: fault-list CSV in the Keras convention (conv2d_k / dense_k names, (kh, kw,
// in, out) indices): parse, validate against the Keras sites of ResNet20 and MobileNetV2,
// convert to the PyTorch convention and check the result validates there too.
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
  static const std::vector<WeightSite> ksites[2] = {keras_sites(sites[0]), keras_sites(sites[1])};
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::run_expecting_errors([&] {
    std::istringstream in(text);
    const FaultList list = parse_fault_list(in, "fuzz_TF_FL.csv");
    for (int m = 0; m < 2; ++m) {
      try {
        validate_fault_list(list, ksites[m]);
      } catch (const FormatError&) {
        continue;
      }
      const FaultList torch = to_torch(list, sites[m]);
      try {
        validate_fault_list(torch, sites[m]);
      } catch (const FormatError& e) {
        fuzz::finding("faultlist",
                      (std::string("a valid Keras list converts to an invalid torch list: ") + e.what()).c_str());
      }
      if (to_keras(torch, sites[m]).faults != list.faults)
        fuzz::finding("faultlist", "to_keras(to_torch(list)) != list");
    }
  });
  return 0;
}
