// A program outside the faultbench tree, built against an installed faultbench (CMake
// package or pkg-config): prints the version and the parameter count of a zoo model.
#include <cstdio>

#include "faultbench/faults/fault.h"
#include "faultbench/util/build_info.h"
#include "faultbench/zoo/zoo.h"

int main() {
  const faultbench::Graph g = faultbench::build_model("resnet20", "cifar10");
  long long weights = 0;
  for (const faultbench::WeightSite& s : faultbench::fault_sites(g)) {
    long long n = 1;
    for (auto d : s.shape) n *= d;
    weights += n;
  }
  std::printf("faultbench %s: resnet20 has %lld conv/linear weights\n", faultbench::faultbench_version(), weights);
  return weights == 268336 ? 0 : 1;
}
