// Fast mode against the brute-force oracle on zoo models with random weights.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <numeric>
#include <set>

#include "campaign_fixtures.h"
#include "faultbench/campaign/engine.h"
#include "faultbench/error.h"

namespace faultbench {
namespace {

using testing::random_faults;
using testing::random_images;
using testing::randomize_weights;

using testing::run_engine;

std::string describe(const Fault& f, const FaultCounts& c) {
  return f.site.layer + " bit " + std::to_string(f.site.bit) + ": masked " + std::to_string(c.masked) + " nc " +
         std::to_string(c.non_critical) + " crit " + std::to_string(c.critical) + " due " + std::to_string(c.due) +
         " top1 " + std::to_string(c.top1_correct);
}

void expect_same(const std::vector<Fault>& faults, const std::vector<FaultCounts>& want,
                 const std::vector<FaultCounts>& got, const std::string& what) {
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_EQ(want[i], got[i]) << what << ": fault " << i << " want " << describe(faults[i], want[i]) << " got "
                               << describe(faults[i], got[i]);
}

struct Case {
  const char* model;
  const char* dataset;
  int images;
  int faults;
  bool expect_masked = false;   // random weights make fully golden images rare in some models
  bool expect_critical = true;  // random DenseNet121 predicts one class whatever happens
};

class FastVsBrute : public ::testing::TestWithParam<Case> {};

TEST_P(FastVsBrute, SameCountsAnyThreadsChunkingAndImageOrder) {
  const Case c = GetParam();
  Graph g = build_model(c.model, c.dataset);
  randomize_weights(g, 7);
  const ImageSet images = random_images(g, c.images, 11);
  const std::vector<Fault> faults = random_faults(g, c.faults, 13);

  const auto brute = run_engine(g, images, faults, CampaignMode::BruteForce, 2);
  int64_t masked = 0, critical = 0, noncrit = 0, due = 0;
  for (const FaultCounts& fc : brute) {
    EXPECT_EQ(fc.images(), c.images);
    masked += fc.masked;
    critical += fc.critical;
    noncrit += fc.non_critical;
    due += fc.due;
  }
  // The random list must exercise the classes, or the comparison proves little. (A random
  // network may predict one class for every image; NaN logits then keep top-1 at index 0,
  // so bit-30 faults show up as due rather than critical.)
  if (c.expect_masked) {
    EXPECT_GT(masked, 0);
  }
  if (c.expect_critical) {
    EXPECT_GT(critical + due, 0);
  }
  EXPECT_GT(noncrit, 0);

  expect_same(faults, brute, run_engine(g, images, faults, CampaignMode::Fast, 1), "fast, 1 thread");
  expect_same(faults, brute, run_engine(g, images, faults, CampaignMode::Fast, 2, 5), "fast, 2 threads, chunks of 5");

  // Any image order: reverse the set.
  ImageSet rev = images;
  const int64_t per = images.shape.numel();
  for (int64_t i = 0; i < images.size(); ++i) {
    const int64_t j = images.size() - 1 - i;
    std::copy(images.image(i), images.image(i) + per, rev.pixels.begin() + j * per);
    rev.labels[size_t(j)] = images.labels[size_t(i)];
  }
  expect_same(faults, brute, run_engine(g, rev, faults, CampaignMode::Fast, 2), "fast, reversed images");
}

INSTANTIATE_TEST_SUITE_P(Zoo, FastVsBrute,
                         ::testing::Values(Case{"resnet20", "cifar10", 24, 48, true},
                                           Case{"vgg11_bn", "cifar10", 8, 12}, Case{"mobilenetv2", "cifar10", 8, 16},
                                           Case{"densenet121", "cifar10", 8, 12, true, false},
                                           Case{"resnet20", "gtsrb", 8, 16}),
                         [](const auto& info) { return std::string(info.param.model) + "_" + info.param.dataset; });

TEST(FastMode, StuckAtFaultsMatchBruteForceAndNoOpsAreGolden) {
  Graph g = build_model("resnet20", "cifar10");
  randomize_weights(g, 3);
  const ImageSet images = random_images(g, 16, 5);
  for (FaultModel m : {FaultModel::StuckAt0, FaultModel::StuckAt1}) {
    const std::vector<Fault> faults = random_faults(g, 40, 17, m);
    const auto brute = run_engine(g, images, faults, CampaignMode::BruteForce, 2);
    const auto fast = run_engine(g, images, faults, CampaignMode::Fast, 2);
    expect_same(faults, brute, fast, fault_model_name(m));

    EngineOptions o;
    CampaignEngine engine(g, images, o);
    const FaultCounts golden = engine.golden_counts();
    EXPECT_EQ(golden.masked, 16);
    int noops = 0;
    for (size_t i = 0; i < faults.size(); ++i) {
      const ResolvedFault rf = resolve_fault(g, faults[i]);
      const float w = g.params[size_t(rf.param)].value.data[size_t(rf.offset)];
      if (std::bit_cast<uint32_t>(apply_fault(w, rf.bit, m)) == std::bit_cast<uint32_t>(w)) {
        ++noops;
        EXPECT_EQ(fast[i], golden) << "no-op fault " << i;
      }
    }
    EXPECT_GT(noops, 5) << "about half of random stuck-at faults are no-ops";
  }
}

TEST(FastMode, SuccessiveRunsOnOneEngineMatchBruteForce) {
  // campaign() runs one journaled batch after another on the same engine; the fast mode
  // keeps the last chunk's golden values and walks the chunks in alternating order.
  Graph g = build_model("resnet20", "cifar10");
  randomize_weights(g, 21);
  const ImageSet images = random_images(g, 23, 22);
  const std::vector<Fault> faults = random_faults(g, 30, 23);
  const auto brute = run_engine(g, images, faults, CampaignMode::BruteForce, 2);
  EngineOptions o;
  o.threads = 2;
  o.max_chunk_images = 7;  // 4 chunks, the last one short
  CampaignEngine engine(g, images, o);
  std::vector<FaultCounts> all;
  for (size_t first = 0; first < faults.size(); first += 7) {
    std::vector<ResolvedFault> part;
    for (size_t i = first; i < std::min(faults.size(), first + 7); ++i) part.push_back(resolve_fault(g, faults[i]));
    std::vector<FaultCounts> out;
    ASSERT_TRUE(engine.run(part, out));
    all.insert(all.end(), out.begin(), out.end());
  }
  expect_same(faults, brute, all, "fast, batches of 7 faults on one engine");
}

TEST(FastMode, GoldenFromTheChunksEqualsTheFullForwardPass) {
  // The fast mode takes the golden logits from its chunks' passes; a run of only no-op
  // faults has no chunk pass and falls back to the full forward pass.
  Graph g = build_model("resnet20", "cifar10");
  randomize_weights(g, 41);
  const ImageSet images = random_images(g, 13, 42);
  EngineOptions brute_o;
  brute_o.mode = CampaignMode::BruteForce;
  CampaignEngine brute(g, images, brute_o);
  const std::vector<float> want = brute.golden_logits();
  EngineOptions o;
  o.threads = 2;
  o.max_chunk_images = 4;
  CampaignEngine fast(g, images, o);
  std::vector<ResolvedFault> rf;
  for (const Fault& f : random_faults(g, 6, 43)) rf.push_back(resolve_fault(g, f));
  std::vector<FaultCounts> out;
  ASSERT_TRUE(fast.run(rf, out));
  EXPECT_EQ(0, std::memcmp(fast.golden_logits().data(), want.data(), want.size() * sizeof(float)));
  EXPECT_EQ(fast.golden_counts(), brute.golden_counts());

  // Only no-ops: stuck-at-0 on bit 31 of non-negative weights, stuck-at-1 on negative ones.
  std::vector<ResolvedFault> noops;
  for (int i = 0; i < 5; ++i) {
    ResolvedFault f = rf[size_t(i)];
    f.bit = 31;
    f.model = std::signbit(g.params[size_t(f.param)].value.data[size_t(f.offset)]) ? FaultModel::StuckAt1
                                                                                   : FaultModel::StuckAt0;
    noops.push_back(f);
  }
  CampaignEngine fresh(g, images, o);
  ASSERT_TRUE(fresh.run(noops, out));
  for (const FaultCounts& c : out) EXPECT_EQ(c, brute.golden_counts());
  EXPECT_EQ(0, std::memcmp(fresh.golden_logits().data(), want.data(), want.size() * sizeof(float)));
}

TEST(FastMode, ProfileAccountsForEveryFaultAndImage) {
  Graph g = build_model("resnet20", "cifar10");
  randomize_weights(g, 31);
  const ImageSet images = random_images(g, 12, 32);
  const std::vector<Fault> faults = random_faults(g, 20, 33);  // bit flips: none is a no-op
  EngineOptions o;
  o.threads = 2;
  o.max_chunk_images = 5;
  o.profile = true;
  CampaignEngine engine(g, images, o);
  std::vector<ResolvedFault> rf;
  for (const Fault& f : faults) rf.push_back(resolve_fault(g, f));
  std::vector<FaultCounts> out;
  ASSERT_TRUE(engine.run(rf, out));
  const EngineProfile p = engine.profile();
  int64_t n = 0, fault_images = 0, dropped = 0;
  std::set<std::string> layers;
  for (const auto& l : p.by_faulty_layer) {
    n += l.faults;
    fault_images += l.fault_images;
    dropped += l.dropped_early;
    layers.insert(l.layer);
    EXPECT_GT(l.seconds, 0.0) << l.layer;
  }
  EXPECT_EQ(n, 20);
  EXPECT_EQ(fault_images, 20 * 12);
  int64_t masked = 0;
  for (const FaultCounts& c : out) masked += c.masked;
  EXPECT_LE(dropped, masked) << "an image dropped early is a masked image";
  for (const Fault& f : faults) EXPECT_TRUE(layers.count(f.site.layer)) << f.site.layer;
  ASSERT_FALSE(p.by_step.empty());
  EXPECT_GT(p.golden_seconds, 0.0);
  // Without the option nothing is recorded.
  o.profile = false;
  CampaignEngine quiet(g, images, o);
  ASSERT_TRUE(quiet.run(rf, out));
  EXPECT_TRUE(quiet.profile().by_faulty_layer.empty());
}

TEST(FastMode, DenseNetConvsContinueFromGoldenPartialSumsExactly) {
  // A fault in a dense block leaves the channels concatenated before the faulty layer
  // golden; the 1x1 convs reading the concatenation continue from the golden pass's sums
  // over them (fast/schedule.h resume points). Faults of the last blocks, low bits included
  // (so that images drop out and the saved sums of the survivors are gathered).
  Graph g = build_model("densenet121", "cifar10");
  randomize_weights(g, 41);
  const ImageSet images = random_images(g, 7, 42);
  std::vector<Fault> faults;
  for (const Fault& f : random_faults(g, 600, 43))
    if ((f.site.layer.find("denseblock3") != std::string::npos ||
         f.site.layer.find("transition3") != std::string::npos ||
         f.site.layer.find("denseblock4.denselayer1.") != std::string::npos) &&
        faults.size() < 10)
      faults.push_back(f);
  ASSERT_EQ(faults.size(), 10u);
  const auto brute = run_engine(g, images, faults, CampaignMode::BruteForce, 2);
  EngineOptions o;
  o.threads = 2;
  o.max_chunk_images = 4;
  o.profile = true;
  CampaignEngine engine(g, images, o);
  std::vector<ResolvedFault> rf;
  for (const Fault& f : faults) rf.push_back(resolve_fault(g, f));
  std::vector<FaultCounts> fast;
  ASSERT_TRUE(engine.run(rf, fast));
  expect_same(faults, brute, fast, "fast, resuming");
  int64_t resumed = 0, dropped = 0;
  for (const auto& s : engine.profile().by_step) resumed += s.resumed_image_runs;
  for (const auto& l : engine.profile().by_faulty_layer) dropped += l.dropped_early;
  EXPECT_GT(resumed, 0) << "no conv continued from golden partial sums";
  EXPECT_GT(dropped, 0) << "no image dropped out: the gathering of saved sums went untested";
}

TEST(FastMode, ExponentFlipsGiveDueImagesAndStayExact) {
  // Bit 30 of the largest weights: values blow up to Inf, then NaN after BN/add.
  Graph g = build_model("resnet20", "cifar10");
  randomize_weights(g, 21);
  const ImageSet images = random_images(g, 8, 23);
  std::vector<Fault> faults;
  for (const WeightSite& s : fault_sites(g)) {
    Fault f;
    f.injection = int64_t(faults.size());
    f.site.layer = s.layer;
    f.site.index.assign(s.shape.size(), 0);
    f.site.bit = 30;
    faults.push_back(f);
  }
  const auto brute = run_engine(g, images, faults, CampaignMode::BruteForce, 1);
  int64_t due = 0;
  for (const FaultCounts& c : brute) due += c.due;
  EXPECT_GT(due, 0);
  expect_same(faults, brute, run_engine(g, images, faults, CampaignMode::Fast, 2), "bit 30");
}

TEST(Planning, SortsByNodeInForwardOrderAndBoundsBatches) {
  Graph g = build_model("resnet20", "cifar10");
  const std::vector<Fault> faults = random_faults(g, 60, 31);
  std::vector<ResolvedFault> rf;
  for (const Fault& f : faults) rf.push_back(resolve_fault(g, f));
  std::vector<size_t> todo(faults.size());
  std::iota(todo.begin(), todo.end(), 0);
  const auto batches = plan_fault_batches(rf, todo, 4);
  std::vector<int> seen(faults.size(), 0);
  std::vector<size_t> flat;
  for (const auto& b : batches) {
    ASSERT_FALSE(b.empty());
    EXPECT_LE(b.size(), 4u);
    for (size_t i : b) {
      ++seen[i];
      flat.push_back(i);
    }
  }
  for (int s : seen) EXPECT_EQ(s, 1);
  EXPECT_EQ(batches.size(), 15u);  // 60 faults in full batches of 4
  for (size_t j = 1; j < flat.size(); ++j) {
    const ResolvedFault &a = rf[flat[j - 1]], &b = rf[flat[j]];
    EXPECT_TRUE(a.node < b.node || (a.node == b.node && flat[j - 1] < flat[j])) << "position " << j;
  }
}

TEST(ResolveFault, RejectsUnknownLayersAndBadIndices) {
  const Graph g = build_model("resnet20", "cifar10");
  Fault f;
  f.site.layer = "conv9";
  f.site.index = {0, 0, 0, 0};
  EXPECT_THROW(resolve_fault(g, f), UsageError);
  f.site.layer = "bn1";
  f.site.index = {0};
  EXPECT_THROW(resolve_fault(g, f), UsageError);
  f.site.layer = "conv1";
  f.site.index = {16, 0, 0, 0};
  EXPECT_THROW(resolve_fault(g, f), UsageError);
  f.site.index = {15, 2, 2, 2};
  f.site.bit = 31;
  const ResolvedFault r = resolve_fault(g, f);
  EXPECT_EQ(r.offset, 15 * 27 + 2 * 9 + 2 * 3 + 2);
}

}  // namespace
}  // namespace faultbench
