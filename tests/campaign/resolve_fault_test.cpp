// resolve_fault addresses a weight by the layer name fault_sites gives it: the name less
// ".weight", or the whole name of an imported weight named otherwise (tf2onnx's
// "conv/kernel"), so that every list the sampler draws resolves.
#include <gtest/gtest.h>

#include "faultbench/campaign/engine.h"
#include "faultbench/error.h"
#include "faultbench/faults/fault.h"
#include "faultbench/zoo/zoo.h"

namespace faultbench {
namespace {

TEST(ResolveFault, EveryFaultSiteLayerResolvesWhateverItsWeightIsNamed) {
  Graph g = build_model("resnet20", "cifar10");
  const int conv1 = *g.find_param("conv1.weight");
  g.params[size_t(conv1)].name = "conv1/kernel";  // as an importer keeps a tf2onnx name
  const std::vector<WeightSite> sites = fault_sites(g);
  ASSERT_EQ(sites.front().layer, "conv1/kernel");
  const std::vector<int> params = g.fault_site_params();
  for (size_t k = 0; k < sites.size(); ++k) {
    Fault f;
    f.site.layer = sites[k].layer;
    f.site.index = std::vector<int64_t>(sites[k].shape.size(), 0);
    f.site.bit = 3;
    EXPECT_EQ(resolve_fault(g, f).param, params[k]) << sites[k].layer;
  }
  Fault f;
  f.site = {"layer1.0.conv1.weight", {0, 0, 0, 0}, 3};  // a weight's full name is not its layer
  EXPECT_THROW(resolve_fault(g, f), UsageError);
  f.site.layer = "conv1";  // renamed away
  EXPECT_THROW(resolve_fault(g, f), UsageError);
}

}  // namespace
}  // namespace faultbench
