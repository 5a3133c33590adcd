// Campaign classification of faults that make NaN or Inf (issue 7, part 3): the fast
// engine (prefix caching, early masking) and the brute-force oracle, with 1 and 2
// threads and small or large image chunks, must give identical FaultCounts for bit-30
// flips that make a weight +Inf, NaN or huge (nan_fixtures.h) in every layer of ResNet20
// (all three kinds) and MobileNetV2 (one kind per layer, in turn), and `due` must count
// exactly the images whose faulty logits (a plain Executor forward) hold a NaN or an Inf.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include "faultbench/campaign/campaign.h"
#include "faultbench/campaign/engine.h"
#include "faultbench/error.h"
#include "faultbench/executor.h"
#include "faultbench/zoo/zoo.h"
#include "cli_cases.h"
#include "nan_fixtures.h"

namespace faultbench::robustness {
namespace {

constexpr int kImages = 4;

Graph random_model(const std::string& model, uint32_t seed) {
  Graph g = build_model(model, "cifar10");
  randomize_for_nan(g, seed);
  return g;
}

ImageSet random_images(uint32_t seed) {
  ImageSet set;
  set.dataset = "cifar10";
  set.shape = ValueShape{3, 32, 32};
  set.classes = 10;
  set.norm = dataset_normalization("cifar10");
  std::mt19937 rng(seed);
  set.pixels.resize(size_t(kImages) * 3 * 32 * 32);
  for (uint8_t& p : set.pixels) p = uint8_t(rng() & 0xff);
  for (int i = 0; i < kImages; ++i) set.labels.push_back(i % 10);
  return set;
}

// Bit-30 faults: every kind in every layer (all_kinds), or one kind per layer in turn.
std::vector<ResolvedFault> bit30_faults(const Graph& g, bool all_kinds) {
  std::vector<ResolvedFault> faults;
  const NanFault kinds[] = {NanFault::Huge, NanFault::Inf, NanFault::NaN};
  int layer = 0;
  for (int pi : g.fault_site_params()) {
    for (int k = 0; k < 3; ++k) {
      if (!all_kinds && k != layer % 3) continue;
      faults.push_back(
          ResolvedFault{pi, g.params[size_t(pi)].node, nan_fault_offset(g, pi, kinds[k]), 30, FaultModel::BitFlip});
    }
    ++layer;
  }
  return faults;
}

// Images with a non-finite logit when `f` is applied, by a full forward pass.
int64_t nonfinite_images(const Graph& g, const ImageSet& set, const ResolvedFault& f) {
  Graph faulty = g;
  float& w = faulty.params[size_t(f.param)].value.data[size_t(f.offset)];
  w = flip_bit30(w);
  Tensor x({kImages, 3, 32, 32});
  set.normalize(0, kImages, x.ptr());
  const Tensor logits = Executor(faulty, {1, KernelVariant::Optimized, 128}).forward(x);
  int64_t n = 0;
  for (int i = 0; i < kImages; ++i) {
    bool bad = false;
    for (int j = 0; j < g.classes; ++j) bad |= !std::isfinite(logits.ptr()[i * g.classes + j]);
    n += bad;
  }
  return n;
}

class CampaignNanInf : public ::testing::TestWithParam<const char*> {};

TEST_P(CampaignNanInf, FastEqualsBruteForceAndDueCountsNonFiniteImages) {
  const Graph g = random_model(GetParam(), 21);
  const ImageSet set = random_images(22);
  const std::vector<ResolvedFault> faults = bit30_faults(g, std::string(GetParam()) == "resnet20");

  std::vector<std::vector<FaultCounts>> results;
  const EngineOptions configs[] = {{1, CampaignMode::BruteForce, 256, int64_t(512) << 20},
                                   {1, CampaignMode::Fast, 256, int64_t(512) << 20},
                                   {2, CampaignMode::Fast, 256, int64_t(512) << 20},
                                   {2, CampaignMode::Fast, 4, int64_t(1) << 20}};  // small chunks
  for (const EngineOptions& o : configs) {
    CampaignEngine engine(g, set, o);
    std::vector<FaultCounts> out;
    ASSERT_TRUE(engine.run(faults, out));
    ASSERT_EQ(out.size(), faults.size());
    results.push_back(out);
  }
  int64_t due_faults = 0;
  for (size_t f = 0; f < faults.size(); ++f) {
    const std::string what = g.params[size_t(faults[f].param)].name;
    for (size_t c = 1; c < results.size(); ++c) EXPECT_EQ(results[c][f], results[0][f]) << what << " config " << c;
    const FaultCounts& r = results[0][f];
    EXPECT_EQ(r.images(), kImages) << what;
    EXPECT_EQ(r.due, nonfinite_images(g, set, faults[f])) << what;
    if (r.due > 0) {
      ++due_faults;
      EXPECT_LE(r.masked, kImages - r.due) << what << ": NaN/Inf images counted as masked";
    }
  }
  EXPECT_GT(due_faults, 0) << "no fault produced NaN/Inf: the test would prove nothing";
  EXPECT_LT(due_faults, int64_t(faults.size())) << "every fault gave NaN/Inf: huge weights should not always";
  std::printf("[ %s ] %zu bit-30 faults, %lld with NaN/Inf logits (due)\n", GetParam(), faults.size(),
              static_cast<long long>(due_faults));
}

INSTANTIATE_TEST_SUITE_P(Zoo, CampaignNanInf, ::testing::Values("resnet20", "mobilenetv2"));

// A golden network with a NaN logit would make every fault DUE: both modes refuse it
// (check_golden_logits), naming the weights, the first image and the logit.
TEST(CampaignNanInf, NanGoldenNetworkIsRefusedInBothModes) {
  Graph g = random_model("resnet20", 23);
  g.params[size_t(*g.find_param("linear.bias"))].value.data[3] = std::numeric_limits<float>::quiet_NaN();
  const ImageSet set = random_images(24);
  const std::vector<ResolvedFault> faults = bit30_faults(g, false);
  for (CampaignMode mode : {CampaignMode::BruteForce, CampaignMode::Fast}) {
    EngineOptions o;
    o.threads = 1;
    o.mode = mode;
    o.weights_name = "nan.safetensors";
    CampaignEngine engine(g, set, o);
    std::vector<FaultCounts> out;
    try {
      engine.run(faults, out);
      ADD_FAILURE() << campaign_mode_name(mode) << ": a NaN golden network was accepted";
    } catch (const FormatError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("nan.safetensors: the fault-free network gives test image 0 a non-finite "
                                            "logit (logit 3 = nan): every fault would be DUE",
                                            0),
                0u)
          << e.what();
    }
  }
}

// The refusal comes before the journal is created: a rerun with repaired weights must not
// meet a journal "of other inputs".
TEST(CampaignNanInf, NanGoldenNetworkLeavesNoJournal) {
  const fs::path dir = testing::make_temp_dir("nan-campaign");
  detail::cifar_data(dir);
  detail::nan_network_weights(dir / "w.safetensors");
  write_bytes(dir / "list.csv", detail::kTorchHeader + detail::kGoodRows);
  CampaignSpec spec;
  spec.model = "resnet20";
  spec.dataset = "cifar10";
  spec.weights = dir / "w.safetensors";
  spec.data_dir = dir / "data";
  spec.faults = dir / "list.csv";
  spec.out = dir / "RESULTS.csv";
  spec.images = ImageSelection{ImageSelectionKind::First, 2, 0};
  spec.engine.threads = 1;
  EXPECT_THROW(run_campaign(spec), FormatError);
  EXPECT_FALSE(fs::exists(journal_path_for(spec.out)));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace faultbench::robustness
