// The sampler on small synthetic models, against literals from the Python reference
// procedure (SEED.md) run with CPython 3.11.
#include "faultbench/faults/sampling.h"

#include <gtest/gtest.h>

#include "faultbench/error.h"

namespace faultbench {
namespace {

const std::vector<WeightSite> kTiny = {{"a", {2, 3, 1, 1}}, {"b", {4, 5}}};

TEST(Leveugle, ReferenceSampleSizes) {
  // ResNet20/CIFAR10: W = 268,336, N = 17,173,504, n = 16,625 (SEED.md).
  EXPECT_EQ(leveugle_sample_size(268336LL * 64, 0.01, 2.58, 0.5), 16625);
  // DenseNet161/CIFAR10: W = 26,262,624 -> 16,641 (MODELS.md consistency check).
  EXPECT_EQ(leveugle_sample_size(26262624LL * 64, 0.01, 2.58, 0.5), 16641);
  EXPECT_EQ(leveugle_sample_size(0, 0.01, 2.58, 0.5), 0);
  // Small populations are sampled almost entirely; a wider error margin needs fewer faults.
  EXPECT_EQ(leveugle_sample_size(10, 0.01, 2.58, 0.5), 10);
  EXPECT_LT(leveugle_sample_size(268336LL * 64, 0.05, 2.58, 0.5), 700);
}

TEST(PlanSample, CountGivesExactlyThatManyFaultsByLargestRemainder) {
  SamplingParams p;
  p.count = 10;  // a: 6*10/26 = 2.31, b: 20*10/26 = 7.69 -> floors 2 + 7, b has the larger remainder
  SamplePlan plan = plan_sample(kTiny, p);
  EXPECT_EQ(plan.weights, 26);
  EXPECT_EQ(plan.population, 26 * 64);
  EXPECT_EQ(plan.sample_size, 10);
  ASSERT_EQ(plan.layers.size(), 2u);
  EXPECT_EQ(plan.layers[0].faults, 2);
  EXPECT_EQ(plan.layers[1].faults, 8);
  // A tie (0.5 each): the earlier layer gets the one fault (the reference's round() gave none).
  p.count = 1;
  SamplePlan tie = plan_sample({{"x", {1, 1}}, {"y", {1, 1}}}, p);
  EXPECT_EQ(tie.layers[0].faults, 1);
  EXPECT_EQ(tie.layers[1].faults, 0);
  p.count = 3;  // 1.5 each (the reference's round() gave 2 + 2 = 4)
  SamplePlan tie3 = plan_sample({{"x", {1, 1}}, {"y", {1, 1}}}, p);
  EXPECT_EQ(tie3.layers[0].faults, 2);
  EXPECT_EQ(tie3.total_faults(), 3);
  // Every count from 1 to 100 on a real model's layers: exactly that many.
  const std::vector<WeightSite> resnet = {{"conv1", {16, 3, 3, 3}},
                                          {"l1", {16, 16, 3, 3}},
                                          {"l2", {32, 16, 3, 3}},
                                          {"l3", {64, 32, 3, 3}},
                                          {"linear", {10, 64}}};
  for (int64_t n = 1; n <= 100; ++n) {
    p.count = n;
    EXPECT_EQ(plan_sample(resnet, p).total_faults(), n) << "count " << n;
  }
  // A layer that cannot hold its share passes the rest on: 40 faults on a 1-weight layer
  // (32 sites) and a 1,000-weight layer.
  p.count = 1000;
  SamplePlan spill = plan_sample({{"tiny", {1, 1}}, {"big", {1000, 1}}}, p);
  EXPECT_EQ(spill.total_faults(), 1000);
  EXPECT_LE(spill.layers[0].faults, 32);
}

// Python: random.seed(7); layers a [2,3,1,1] x2, b [4,5] x8 with the reference loop.
TEST(DrawFaults, MatchesPythonReferenceProcedure) {
  SamplingParams p;
  p.seed = 7;
  p.count = 10;
  FaultList list = generate_fault_list(kTiny, p);
  const std::vector<FaultSite> expected = {
      {"a", {1, 0, 0, 0}, 4}, {"a", {0, 1, 0, 0}, 2}, {"b", {0, 3}, 26}, {"b", {0, 1}, 5}, {"b", {3, 0}, 7},
      {"b", {1, 4}, 3},       {"b", {3, 0}, 14},      {"b", {0, 4}, 8},  {"b", {2, 3}, 9}, {"b", {0, 4}, 19}};
  ASSERT_EQ(list.faults.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(list.faults[i].site, expected[i]) << "fault " << i;
    EXPECT_EQ(list.faults[i].injection, int64_t(i));
    EXPECT_EQ(list.faults[i].model, FaultModel::BitFlip);
  }
  EXPECT_FALSE(list.has_results());
}

// Python: random.seed(123); 3 faults per layer.
TEST(DrawFaults, LayerScopeWithCountDrawsPerLayer) {
  SamplingParams p;
  p.seed = 123;
  p.count = 3;
  p.scope = SamplingScope::Layer;
  p.model = FaultModel::StuckAt1;
  SamplePlan plan;
  FaultList list = generate_fault_list(kTiny, p, &plan);
  EXPECT_EQ(plan.sample_size, 6);
  const std::vector<FaultSite> expected = {{"a", {0, 1, 0, 0}, 17}, {"a", {0, 0, 0, 0}, 21}, {"a", {0, 0, 0, 0}, 5},
                                           {"b", {3, 0}, 0},        {"b", {2, 3}, 6},        {"b", {0, 0}, 9}};
  ASSERT_EQ(list.faults.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(list.faults[i].site, expected[i]) << "fault " << i;
    EXPECT_EQ(list.faults[i].model, FaultModel::StuckAt1);
  }
}

TEST(PlanSample, LayerScopeUsesEachLayersOwnPopulation) {
  const std::vector<WeightSite> sites = {{"conv", {64, 64, 3, 3}}, {"fc", {10, 64}}};
  SamplingParams p;
  p.scope = SamplingScope::Layer;
  SamplePlan plan = plan_sample(sites, p);
  EXPECT_EQ(plan.layers[0].faults, leveugle_sample_size(36864LL * 64, 0.01, 2.58, 0.5));
  EXPECT_EQ(plan.layers[0].population, 36864LL * 64);
  // fc: 640 weights, N = 40960 -> n = 11,330 < 20,480 distinct sites: not capped.
  EXPECT_EQ(plan.layers[1].faults, leveugle_sample_size(640 * 64, 0.01, 2.58, 0.5));
  EXPECT_FALSE(plan.layers[1].capped);
  EXPECT_EQ(plan.sample_size, plan.layers[0].faults + plan.layers[1].faults);
}

// A layer of one weight has 32 distinct sites: the sample is capped there and every bit
// is drawn exactly once (Python: random.seed(5) gives bits 1, 3, 23 first).
TEST(DrawFaults, CapsAtDistinctSitesAndNeverRepeats) {
  SamplingParams p;
  p.seed = 5;
  p.count = 1000;
  p.scope = SamplingScope::Layer;
  SamplePlan plan;
  FaultList list = generate_fault_list({{"c", {1, 1}}}, p, &plan);
  EXPECT_TRUE(plan.layers[0].capped);
  ASSERT_EQ(list.faults.size(), 32u);
  EXPECT_EQ(list.faults[0].site.bit, 1);
  EXPECT_EQ(list.faults[1].site.bit, 3);
  EXPECT_EQ(list.faults[2].site.bit, 23);
  std::vector<int> seen(32, 0);
  for (const Fault& f : list.faults) ++seen[size_t(f.site.bit)];
  EXPECT_EQ(seen, std::vector<int>(32, 1));
}

TEST(PlanSample, RejectsBadParameters) {
  SamplingParams p;
  p.error = 0;
  EXPECT_THROW(plan_sample(kTiny, p), UsageError);
  p = {};
  p.p = 1.0;
  EXPECT_THROW(plan_sample(kTiny, p), UsageError);
  p = {};
  p.confidence_t = -1;
  EXPECT_THROW(plan_sample(kTiny, p), UsageError);
  p = {};
  p.count = -5;
  EXPECT_THROW(plan_sample(kTiny, p), UsageError);
  p = {};
  EXPECT_THROW(plan_sample({}, p), UsageError);
  p.count = int64_t(1) << 40;  // more than the memory limit
  EXPECT_THROW(plan_sample({{"big", {4096, 4096}}}, p), UsageError);
}

TEST(DescribePlan, NamesPopulationSampleAndLayers) {
  SamplingParams p;
  p.count = 10;
  const std::string text = describe_plan(plan_sample(kTiny, p), p);
  EXPECT_NE(text.find("population N = W x 32 x 2 = 1664"), std::string::npos) << text;
  EXPECT_NE(text.find("sample size n = 10"), std::string::npos) << text;
  EXPECT_NE(text.find("  b: 20 -> 8"), std::string::npos) << text;
}

}  // namespace
}  // namespace faultbench
