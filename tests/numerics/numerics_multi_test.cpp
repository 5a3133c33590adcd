// Multi-bit and multi-site fault lists for the 16-bit formats (bf16, fp16): drawn with the
// format's width (bits in 0..15, --adjacent runs inside the 16-bit word, populations over
// 16 bits), and campaigns of them: fast == brute force, fault by fault, threads 1 and 2.
#include <gtest/gtest.h>

#include <bit>

#include "../campaign/campaign_fixtures.h"
#include "faultbench/campaign/engine.h"
#include "faultbench/error.h"
#include "faultbench/faults/fault_group.h"
#include "faultbench/faults/sampling.h"
#include "faultbench/graph/numerics.h"
#include "faultbench/graph/numerics_graph.h"

namespace faultbench {
namespace {

SamplingParams sixteen_bit(int bits_per_fault, bool adjacent, int sites_per_fault, bool same_layer, int64_t count) {
  SamplingParams p;
  p.seed = 5;
  p.count = count;
  p.bits = 16;
  p.bits_per_fault = bits_per_fault;
  p.adjacent = adjacent;
  p.sites_per_fault = sites_per_fault;
  p.same_layer = same_layer;
  return p;
}

TEST(SixteenBitLists, BitsStayInTheWordAndPopulationsCountSixteenBits) {
  Graph g = build_model("resnet20", "cifar10");
  const std::vector<WeightSite> sites = fault_sites(g);
  const int64_t w = total_weights(sites);
  for (const bool adjacent : {false, true}) {
    SamplePlan plan;
    const FaultList list = generate_fault_list(sites, sixteen_bit(4, adjacent, 1, false, 300), &plan);
    EXPECT_EQ(plan.population, w * (adjacent ? 13 : 1820) * 2);  // W x (16 + 1 - 4) or W x C(16, 4), x 2
    int top = 0;
    for (const FaultGroup& f : fault_groups(list)) {
      ASSERT_EQ(f.count, 4u);
      for (size_t i = f.first; i < f.first + f.count; ++i) {
        ASSERT_GE(list.faults[i].site.bit, 0);
        ASSERT_LE(list.faults[i].site.bit, 15);
        if (adjacent && i > f.first) {
          ASSERT_EQ(list.faults[i].site.bit, list.faults[i - 1].site.bit + 1);
        }
        top = std::max(top, list.faults[i].site.bit);
      }
    }
    EXPECT_EQ(top, 15);  // the word's top bits are drawn too
  }
  const FaultList sites3 = generate_fault_list(sites, sixteen_bit(1, false, 3, false, 200));
  for (const Fault& f : sites3.faults) ASSERT_LE(f.site.bit, 15);
  EXPECT_THROW(generate_fault_list(sites, sixteen_bit(17, false, 1, false, 10)), UsageError);
}

TEST(SixteenBitLists, BitsOfOneWordFlipTheStoredWordEvenThroughASignallingNaN) {
  // fp16 Inf (0x7c00): bit 0 makes a signalling NaN; bit 14 then gives 0x3c01, whatever
  // the NaN's quiet bit (fp16_bits alone would quiet it: 0x7e01 -> 0x3e01).
  const float inf = fp16_from_bits(0x7c00);
  const float nan = apply_fault(inf, 0, FaultModel::BitFlip, Numerics::Fp16);
  EXPECT_EQ(fp16_bits(apply_fault(nan, 14, FaultModel::BitFlip, Numerics::Fp16)), 0x3c01u);
  EXPECT_EQ(bf16_bits(apply_fault(apply_fault(bf16_from_bits(0x7f80), 0, FaultModel::BitFlip, Numerics::Bf16), 14,
                                  FaultModel::BitFlip, Numerics::Bf16)),
            0x3f81u);
}

std::vector<FaultCounts> run(const Graph& g, const ImageSet& images, const FaultList& list, CampaignMode mode,
                             int threads, int max_chunk = 256) {
  EngineOptions o;
  o.mode = mode;
  o.threads = threads;
  o.max_chunk_images = max_chunk;
  CampaignEngine engine(g, images, o);
  std::vector<ResolvedFault> rf;
  for (const FaultGroup& f : fault_groups(list)) rf.push_back(resolve_fault_sites(g, &list.faults[f.first], f.count));
  std::vector<FaultCounts> out;
  EXPECT_TRUE(engine.run(rf, out));
  return out;
}

class SixteenBitMultiFastVsBrute : public ::testing::TestWithParam<Numerics> {};

TEST_P(SixteenBitMultiFastVsBrute, SameCountsFaultByFault) {
  Graph g = build_model("resnet20", "cifar10");
  testing::randomize_weights(g, 7);
  apply_numerics(g, GetParam());
  const std::vector<WeightSite> sites = fault_sites(g);
  const ImageSet images = testing::random_images(g, 8, 11);
  FaultList all;
  int64_t id = 0;
  // K bits (anywhere / adjacent), M sites (anywhere / one layer).
  for (const SamplingParams& p : {sixteen_bit(3, false, 1, false, 6), sixteen_bit(2, true, 1, false, 6),
                                  sixteen_bit(1, false, 2, false, 6), sixteen_bit(1, false, 3, true, 6)}) {
    const FaultList l = generate_fault_list(sites, p);
    int64_t last = -1;
    for (Fault f : l.faults) {
      if (f.injection != last) last = f.injection, ++id;
      f.injection = id;
      all.faults.push_back(f);
    }
  }
  const auto brute = run(g, images, all, CampaignMode::BruteForce, 2);
  int64_t masked = 0, changed = 0;
  for (const FaultCounts& fc : brute) {
    masked += fc.masked;
    changed += fc.non_critical + fc.critical + fc.due;
  }
  EXPECT_GT(masked, 0);
  EXPECT_GT(changed, 0);
  const auto fast1 = run(g, images, all, CampaignMode::Fast, 1);
  const auto fast2 = run(g, images, all, CampaignMode::Fast, 2, 5);
  ASSERT_EQ(brute.size(), 24u);
  for (size_t i = 0; i < brute.size(); ++i) {
    EXPECT_EQ(brute[i], fast1[i]) << "fault " << i;
    EXPECT_EQ(brute[i], fast2[i]) << "fault " << i << " (2 threads)";
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, SixteenBitMultiFastVsBrute, ::testing::Values(Numerics::Bf16, Numerics::Fp16),
                         [](const auto& info) { return std::string(numerics_name(info.param)); });

}  // namespace
}  // namespace faultbench
