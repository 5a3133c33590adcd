// Transient activation faults (issue 17 item 2) in the engine: the fast mode (the faulty
// step's golden rows with one element changed, then the weight path's suffix machinery)
// against the brute-force oracle (every node run unfused, the node's output element
// flipped between it and its readers), fault by fault, on zoo models with random weights,
// threads 1 and 2.
#include <gtest/gtest.h>

#include <random>

#include "campaign_fixtures.h"
#include "faultbench/campaign/engine.h"
#include "faultbench/error.h"
#include "faultbench/faults/activation_sites.h"

namespace faultbench {
namespace {

using testing::random_images;
using testing::randomize_weights;

// One fault on every activation site (so each kind is covered: a fused conv's raw output,
// a ReLU module, a linear layer, a conv whose step adds a residual), then `extra` random
// ones; every third flips bit 30 (an exponent bit: large values, critical), the others
// random bits.
std::vector<Fault> activation_faults(const Graph& g, int extra, uint32_t seed) {
  const std::vector<WeightSite> sites = activation_sites(g);
  std::mt19937 rng(seed);
  std::vector<Fault> out;
  const size_t total = sites.size() + size_t(extra);
  for (size_t i = 0; i < total; ++i) {
    const WeightSite& s = i < sites.size() ? sites[i] : sites[rng() % sites.size()];
    Fault f;
    f.injection = int64_t(i);
    f.site.layer = s.layer;
    for (int64_t d : s.shape) f.site.index.push_back(int64_t(rng() % uint64_t(d)));
    f.site.bit = i % 3 == 0 ? 30 : int(rng() % 32);
    out.push_back(f);
  }
  return out;
}

std::vector<FaultCounts> run(const Graph& g, const ImageSet& images, const std::vector<Fault>& faults,
                             CampaignMode mode, int threads, int max_chunk = 256) {
  return testing::run_engine(g, images, faults, mode, threads, max_chunk, resolve_activation_fault);
}

struct Case {
  const char* model;
  const char* dataset;
  int images, extra;
};

class ActivationFastVsBrute : public ::testing::TestWithParam<Case> {};

TEST_P(ActivationFastVsBrute, SameCountsFaultByFault) {
  const Case c = GetParam();
  Graph g = build_model(c.model, c.dataset);
  randomize_weights(g, 5);
  const ImageSet images = random_images(g, c.images, 6);
  const std::vector<Fault> faults = activation_faults(g, c.extra, 11);
  const auto brute = run(g, images, faults, CampaignMode::BruteForce, 2);
  int64_t critical = 0, masked = 0, changed = 0;
  for (const FaultCounts& fc : brute) {
    critical += fc.critical;
    masked += fc.masked;
    changed += fc.non_critical + fc.critical + fc.due;
  }
  EXPECT_GT(critical, 0) << "some faults must be critical";
  EXPECT_GT(masked, 0) << "some faults must be masked";
  EXPECT_GT(changed, 0);
  for (int threads : {1, 2}) {
    const auto fast = run(g, images, faults, CampaignMode::Fast, threads, 3);
    ASSERT_EQ(fast.size(), brute.size());
    for (size_t i = 0; i < brute.size(); ++i)
      EXPECT_EQ(fast[i], brute[i]) << "fault " << i << " (" << faults[i].site.layer << " bit " << faults[i].site.bit
                                   << "), threads " << threads;
  }
}

INSTANTIATE_TEST_SUITE_P(Zoo, ActivationFastVsBrute,
                         ::testing::Values(Case{"resnet20", "cifar10", 6, 12}, Case{"mobilenetv2", "cifar10", 3, 4},
                                           Case{"vgg11_bn", "cifar10", 2, 4}),
                         [](const auto& info) { return std::string(info.param.model) + "_" + info.param.dataset; });

// The sites: conv and linear layers by module name, with the output shape of one image;
// VGG's ReLU modules (features.N) too; ResNet20's F.relu calls are no sites.
TEST(ActivationSites, NamesAndShapes) {
  const std::vector<WeightSite> r = activation_sites(build_model("resnet20", "cifar10"));
  ASSERT_GE(r.size(), 3u);
  EXPECT_EQ(r.front(), (WeightSite{"conv1", {16, 32, 32}}));
  EXPECT_EQ(r[1], (WeightSite{"layer1.0.conv1", {16, 32, 32}}));
  EXPECT_EQ(r.back(), (WeightSite{"linear", {10}}));
  EXPECT_EQ(r.size(), 20u) << "19 convs and the linear layer";
  const std::vector<WeightSite> v = activation_sites(build_model("vgg11_bn", "cifar10"));
  EXPECT_EQ(v[0], (WeightSite{"features.0", {64, 32, 32}}));
  EXPECT_EQ(v[1], (WeightSite{"features.2", {64, 32, 32}}));
  EXPECT_EQ(v.back(), (WeightSite{"classifier.6", {10}}));
}

// Out-of-shape indices and other layers are refused at resolution.
TEST(ResolveActivationFault, RefusesWhatIsNotASite) {
  const Graph g = build_model("resnet20", "cifar10");
  EXPECT_THROW(resolve_activation_fault(g, Fault{0, {"conv1", {16, 0, 0}, 3}}), UsageError);
  EXPECT_THROW(resolve_activation_fault(g, Fault{0, {"bn1", {0, 0, 0}, 3}}), UsageError);
  EXPECT_THROW(resolve_activation_fault(g, Fault{0, {"linear", {0, 0}, 3}}), UsageError);
  const ResolvedFault f = resolve_activation_fault(g, Fault{0, {"conv1", {1, 2, 3}, 31}});
  EXPECT_TRUE(f.activation);
  EXPECT_EQ(f.offset, 1 * 32 * 32 + 2 * 32 + 3);
}

}  // namespace
}  // namespace faultbench
