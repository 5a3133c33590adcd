// Fast mode against the brute-force oracle on a graph with ONNX-only windows
// (tests/graph/window_graph.h): the golden prefix, the faulty channel, the suffix and
// every kernel on rectangular, dilated, strided and asymmetrically padded windows give
// brute force's counts exactly, with 1 and 2 threads.
#include <gtest/gtest.h>

#include "campaign_fixtures.h"
#include "faultbench/campaign/engine.h"
#include "graph/window_graph.h"

namespace faultbench {
namespace {

std::vector<FaultCounts> run(const Graph& g, const ImageSet& images, const std::vector<Fault>& faults,
                             CampaignMode mode, int threads) {
  EngineOptions o;
  o.mode = mode;
  o.threads = threads;
  o.max_chunk_images = 7;  // several chunks
  CampaignEngine engine(g, images, o);
  std::vector<ResolvedFault> rf;
  for (const Fault& f : faults) rf.push_back(resolve_fault(g, f));
  std::vector<FaultCounts> out;
  EXPECT_TRUE(engine.run(rf, out));
  return out;
}

TEST(WindowGraph, FastModeEqualsBruteForce) {
  Graph g = testing::window_graph();
  testing::randomize_weights(g, 21);
  const ImageSet images = testing::random_images(g, 16, 22);
  const std::vector<Fault> faults = testing::random_faults(g, 36, 23);
  // Every conv layer, the general windows included, gets faults.
  for (const char* layer : {"conv2", "conv3", "conv4"})
    EXPECT_TRUE(std::any_of(faults.begin(), faults.end(), [&](const Fault& f) { return f.site.layer == layer; }))
        << layer;
  const auto brute = run(g, images, faults, CampaignMode::BruteForce, 2);
  int64_t changed = 0;
  for (const FaultCounts& c : brute) changed += c.non_critical + c.critical + c.due;
  EXPECT_GT(changed, 0);  // the list changes outputs: the comparison tells something
  for (const int threads : {1, 2}) {
    const auto fast = run(g, images, faults, CampaignMode::Fast, threads);
    ASSERT_EQ(fast.size(), brute.size());
    for (size_t i = 0; i < brute.size(); ++i)
      EXPECT_EQ(fast[i], brute[i]) << "threads " << threads << ", fault " << i << " in " << faults[i].site.layer
                                   << " bit " << faults[i].site.bit;
  }
}

}  // namespace
}  // namespace faultbench
