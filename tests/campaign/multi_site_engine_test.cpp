// Multi-bit and multi-site faults (issue 17) in the engine: the fast mode (one faulty
// channel, or its brute-force fallback inside a fast run) against the brute-force oracle,
// fault by fault, on zoo models with random weights, threads 1 and 2.
#include <gtest/gtest.h>

#include <random>

#include "campaign_fixtures.h"
#include "faultbench/campaign/engine.h"

namespace faultbench {
namespace {

using testing::random_faults;
using testing::random_images;
using testing::randomize_weights;

// Faults of several shapes built from random single sites: 2-3 bits of one weight, two
// weights of one output channel, two channels of one layer, two or three layers.
std::vector<std::vector<Fault>> multi_site_faults(const Graph& g, int count, uint32_t seed, FaultModel model) {
  const std::vector<Fault> pool = random_faults(g, count * 3, seed, model);
  std::mt19937 rng(seed);
  std::vector<std::vector<Fault>> out;
  for (int i = 0; i < count; ++i) {
    const Fault& a = pool[size_t(3 * i)];
    std::vector<Fault> f{a};
    switch (i % 4) {
      case 0:  // multi-bit: other bits of the same weight
        for (int b : {(a.site.bit + 1) % 32, (a.site.bit + 7) % 32})
          if (i % 8 == 0 || b == (a.site.bit + 1) % 32)
            f.push_back(Fault{a.injection, {a.site.layer, a.site.index, b}, model});
        break;
      case 1: {  // another weight of the same output channel
        Fault b = a;
        b.site.index.back() =
            (b.site.index.back() + 1) % g.params[size_t(*g.find_param(a.site.layer + ".weight"))].shape.back();
        if (b.site.index != a.site.index) f.push_back(b);
        break;
      }
      case 2: {  // another output channel of the same layer
        Fault b = a;
        b.site.index[0] = (b.site.index[0] + 1) % g.params[size_t(*g.find_param(a.site.layer + ".weight"))].shape[0];
        b.site.bit = int(rng() % 32);
        if (b.site.index != a.site.index) f.push_back(b);
        break;
      }
      default:  // other layers (any order: the engine starts at the earliest)
        f.push_back(pool[size_t(3 * i + 1)]);
        if (i % 8 == 3) f.push_back(pool[size_t(3 * i + 2)]);
        break;
    }
    out.push_back(f);
  }
  return out;
}

std::vector<FaultCounts> run(const Graph& g, const ImageSet& images, const std::vector<std::vector<Fault>>& faults,
                             CampaignMode mode, int threads, int max_chunk = 256) {
  EngineOptions o;
  o.mode = mode;
  o.threads = threads;
  o.max_chunk_images = max_chunk;
  CampaignEngine engine(g, images, o);
  std::vector<ResolvedFault> rf;
  for (const std::vector<Fault>& f : faults) rf.push_back(resolve_fault_sites(g, f.data(), f.size()));
  std::vector<FaultCounts> out;
  EXPECT_TRUE(engine.run(rf, out));
  return out;
}

struct Case {
  const char* model;
  const char* dataset;
  int images, faults;
};

class MultiSiteFastVsBrute : public ::testing::TestWithParam<Case> {};

TEST_P(MultiSiteFastVsBrute, SameCountsFaultByFault) {
  const Case c = GetParam();
  Graph g = build_model(c.model, c.dataset);
  randomize_weights(g, 5);
  const ImageSet images = random_images(g, c.images, 6);
  for (FaultModel model : {FaultModel::BitFlip, FaultModel::StuckAt1}) {
    const auto faults = multi_site_faults(g, c.faults, 9, model);
    const auto brute = run(g, images, faults, CampaignMode::BruteForce, 2);
    int64_t changed = 0;
    for (const FaultCounts& fc : brute) changed += fc.non_critical + fc.critical + fc.due;
    EXPECT_GT(changed, 0) << "the faults must change something";
    for (int threads : {1, 2}) {
      const auto fast = run(g, images, faults, CampaignMode::Fast, threads, 3);
      ASSERT_EQ(fast.size(), brute.size());
      for (size_t i = 0; i < brute.size(); ++i)
        EXPECT_EQ(fast[i], brute[i]) << "fault " << i << " (" << faults[i].size() << " sites, first "
                                     << faults[i][0].site.layer << "), threads " << threads << ", "
                                     << fault_model_name(model);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Zoo, MultiSiteFastVsBrute,
                         ::testing::Values(Case{"resnet20", "cifar10", 10, 24}, Case{"mobilenetv2", "cifar10", 4, 8},
                                           Case{"vgg11_bn", "cifar10", 3, 6}),
                         [](const auto& info) { return std::string(info.param.model) + "_" + info.param.dataset; });

// The first site of a resolved fault is the earliest in forward order, whatever the rows' order.
TEST(ResolveFaultSites, EarliestNodeFirst) {
  const Graph g = build_model("resnet20", "cifar10");
  const std::vector<Fault> rows = {Fault{0, {"linear", {1, 2}, 3}, FaultModel::BitFlip},
                                   Fault{0, {"conv1", {0, 0, 0, 0}, 4}, FaultModel::StuckAt0}};
  const ResolvedFault r = resolve_fault_sites(g, rows.data(), rows.size());
  EXPECT_EQ(r.param, *g.find_param("conv1.weight"));
  EXPECT_EQ(r.model, FaultModel::StuckAt0);
  ASSERT_EQ(r.more.size(), 1u);
  EXPECT_EQ(r.more[0].param, *g.find_param("linear.weight"));
  EXPECT_EQ(r.sites().size(), 2u);
}

}  // namespace
}  // namespace faultbench
