// Multi-bit and multi-site faults (issue 17) in the engine: the fast mode (faulty channels
// in one or several layers, fast/faulty_steps.h) against the brute-force oracle, fault by
// fault, on zoo models with random weights, threads 1 and 2.
#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <random>

#include "campaign_fixtures.h"
#include "faultbench/campaign/engine.h"

namespace faultbench {
namespace {

using testing::random_faults;
using testing::random_images;
using testing::randomize_weights;

// Faults of 2-4 sites built from random single sites, each further site one of: another
// bit of a weight already in the fault (a repeated weight), another weight of the first
// site's output channel, another output channel of its layer, another layer (before or
// after: the engine starts at the earliest). Every fourth fault mixes bit flips and
// stuck-at-0/1 over its sites; the others use `model` throughout.
std::vector<std::vector<Fault>> multi_site_faults(const Graph& g, int count, uint32_t seed, FaultModel model) {
  const std::vector<Fault> pool = random_faults(g, count * 4, seed, model);
  std::mt19937 rng(seed);
  auto shape_of = [&](const Fault& f) { return g.params[size_t(*g.find_param(f.site.layer + ".weight"))].shape; };
  std::vector<std::vector<Fault>> out;
  for (int i = 0; i < count; ++i) {
    const Fault& a = pool[size_t(4 * i)];
    std::vector<Fault> f{a};
    const int sites = 2 + i % 3;
    for (int k = 1; k < sites; ++k) {
      Fault b = f[rng() % f.size()];
      switch ((i + k) % 5) {
        case 0: b.site.bit = (b.site.bit + 1 + int(rng() % 31)) % 32; break;  // the same weight
        case 1: b.site.index.back() = (b.site.index.back() + 1) % shape_of(b).back(); break;
        case 2:
          b.site.index[0] = (b.site.index[0] + 1 + int64_t(rng() % 3)) % shape_of(b)[0];
          b.site.bit = int(rng() % 32);
          break;
        default: b = pool[size_t(4 * i + k)]; break;
      }
      b.injection = a.injection;
      if (i % 4 == 3) b.model = std::array{FaultModel::BitFlip, FaultModel::StuckAt0, FaultModel::StuckAt1}[k % 3];
      bool twice = false;  // a list never holds one site twice (fault_list_csv.cpp refuses it)
      for (const Fault& o : f) twice = twice || o.site == b.site;
      if (!twice) f.push_back(b);
    }
    out.push_back(f);
  }
  return out;
}

// How many of the faults change a weight's bits (the others are no-ops: nothing runs).
int64_t changing(const Graph& g, const std::vector<std::vector<Fault>>& faults) {
  int64_t n = 0;
  for (const std::vector<Fault>& f : faults) {
    bool changes = false;
    for (const Fault& s : f) {
      const Param& p = g.params[size_t(*g.find_param(s.site.layer + ".weight"))];
      const float w = p.value.data[size_t(flat_index(p.shape, s.site.index))];
      changes = changes || std::bit_cast<uint32_t>(apply_fault(w, s.site.bit, s.model)) != std::bit_cast<uint32_t>(w);
    }
    n += changes;
  }
  return n;
}

std::vector<FaultCounts> run(const Graph& g, const ImageSet& images, const std::vector<std::vector<Fault>>& faults,
                             CampaignMode mode, int threads, int max_chunk = 256) {
  EngineOptions o;
  o.mode = mode;
  o.threads = threads;
  o.max_chunk_images = max_chunk;
  o.profile = mode == CampaignMode::Fast;
  CampaignEngine engine(g, images, o);
  std::vector<ResolvedFault> rf;
  for (const std::vector<Fault>& f : faults) rf.push_back(resolve_fault_sites(g, f.data(), f.size()));
  std::vector<FaultCounts> out;
  EXPECT_TRUE(engine.run(rf, out));
  if (mode == CampaignMode::Fast) {
    // Every fault that changes something ran in the fast mode itself (none fell back to
    // brute force): the profile counts the faults it simulated.
    int64_t simulated = 0;
    for (const auto& l : engine.profile().by_faulty_layer) simulated += l.faults;
    EXPECT_EQ(simulated, changing(g, faults));
  }
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
                                           Case{"vgg11_bn", "cifar10", 3, 6}, Case{"densenet121", "cifar10", 3, 4}),
                         [](const auto& info) { return std::string(info.param.model) + "_" + info.param.dataset; });

// A faulty layer reached by a sparse change: a low bit of conv1 of a block changes its
// output at a few positions, so conv2 (faulty too) computes only the positions those reach
// and its own faulty channels whole; the next block's conv then reads a bitmap that must
// cover both (a faulty channel differs wherever its input channel is not zero).
TEST(MultiSiteFastVsBrute, FaultyLayerAfterASparseChange) {
  Graph g = build_model("resnet20", "cifar10");
  randomize_weights(g, 15);
  const ImageSet images = random_images(g, 8, 16);
  std::mt19937 rng(17);
  std::vector<std::vector<Fault>> faults;
  for (const char* block : {"layer1.0", "layer1.1", "layer2.1", "layer3.1"}) {
    const std::string conv1 = std::string(block) + ".conv1", conv2 = std::string(block) + ".conv2";
    const auto& s1 = g.params[size_t(*g.find_param(conv1 + ".weight"))].shape;
    const auto& s2 = g.params[size_t(*g.find_param(conv2 + ".weight"))].shape;
    for (int k = 0; k < 3; ++k) {
      const int64_t id = int64_t(faults.size());
      auto at = [&](const std::vector<int64_t>& shape) {
        std::vector<int64_t> index;
        for (int64_t d : shape) index.push_back(int64_t(rng() % uint64_t(d)));
        return index;
      };
      faults.push_back({Fault{id, {conv1, at(s1), int(rng() % 6)}, FaultModel::BitFlip},
                        Fault{id, {conv2, at(s2), 30 - int(rng() % 3)}, FaultModel::BitFlip}});
    }
  }
  const auto brute = run(g, images, faults, CampaignMode::BruteForce, 2);
  for (int threads : {1, 2}) {
    const auto fast = run(g, images, faults, CampaignMode::Fast, threads, 4);
    for (size_t i = 0; i < brute.size(); ++i)
      EXPECT_EQ(fast[i], brute[i]) << "fault " << i << " (" << faults[i][0].site.layer << "), threads " << threads;
  }
}

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
