// --numerics int8 (docs/NUMERICS.md "int8"): the graph rewrite (codes in the weight
// parameters, BN folded, ReLUs fused), int8 weight faults, the optimized kernels == the
// reference ones through whole networks (1 and 2 threads, any batch), and fast == brute
// force campaigns on zoo models with random weights (the fast mode running every fault;
// more in int8_fast_test.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "../campaign/campaign_fixtures.h"
#include "faultbench/campaign/engine.h"
#include "faultbench/campaign/journal.h"
#include "faultbench/error.h"
#include "faultbench/executor.h"
#include "faultbench/faults/fault.h"
#include "faultbench/graph/quantize.h"

namespace faultbench {
namespace {

// A zoo model with random weights, quantized with 4 random calibration images.
Graph int8_model(const char* model, const char* dataset, Int8Report* report = nullptr) {
  Graph g = build_model(model, dataset);
  testing::randomize_weights(g, 7);
  const ImageSet cal = testing::random_images(g, 4, 3);
  Tensor x({4, g.input_shape.c, g.input_shape.h, g.input_shape.w});
  cal.normalize(0, 4, x.ptr());
  const Int8Report r = quantize_int8(g, calibrate_int8(g, x, 1));
  if (report) *report = r;
  return g;
}

TEST(Int8, FaultsFlipTheTwosComplementCode) {
  EXPECT_EQ(apply_fault(5.0f, 0, FaultModel::BitFlip, Numerics::Int8), 4.0f);
  EXPECT_EQ(apply_fault(5.0f, 7, FaultModel::BitFlip, Numerics::Int8), -123.0f);  // 0x05 -> 0x85
  EXPECT_EQ(apply_fault(0.0f, 7, FaultModel::BitFlip, Numerics::Int8), -128.0f);
  EXPECT_EQ(apply_fault(-1.0f, 6, FaultModel::StuckAt0, Numerics::Int8), -65.0f);     // 0xff -> 0xbf
  EXPECT_EQ(apply_fault(-127.0f, 1, FaultModel::StuckAt1, Numerics::Int8), -125.0f);  // 0x81 -> 0x83
  EXPECT_EQ(numerics_weight_bits(Numerics::Int8), 8);
}

TEST(Int8, RewriteFoldsBatchNormAndStoresCodesInTheWeights) {
  Int8Report report;
  const Graph g = int8_model("resnet20", "cifar10", &report);
  EXPECT_EQ(g.numerics, Numerics::Int8);
  EXPECT_EQ(report.layers.size(), 20u);  // 19 convs and the linear layer
  EXPECT_EQ(report.folded_batch_norms, 19);
  EXPECT_EQ(g.macs_per_image(), build_model("resnet20", "cifar10").macs_per_image());  // shard cost estimates
  for (int p : g.fault_site_params()) {
    const Param& w = g.params[size_t(p)];
    ASSERT_GE(w.node, 0) << w.name;
    EXPECT_EQ(g.nodes[size_t(w.node)].kind, OpKind::Quantized) << w.name;
    float largest = 0.0f;
    for (float v : w.value.data) {
      ASSERT_EQ(v, std::nearbyint(v)) << w.name;
      ASSERT_LE(std::fabs(v), 127.0f) << w.name;
      largest = std::max(largest, std::fabs(v));
    }
    EXPECT_EQ(largest, 127.0f) << w.name;  // symmetric per-channel scales reach 127
  }
  for (const Node& n : g.nodes) {
    EXPECT_NE(n.kind, OpKind::BatchNorm2d);
    EXPECT_NE(n.kind, OpKind::Add);
  }
}

TEST(Int8, UncoveredOperatorsAreRefusedNamingTheNode) {
  Graph g = build_model("densenet121", "cifar10");
  testing::randomize_weights(g, 7);
  const Int8Calibration cal{1, std::vector<float>(g.values.size(), 1.0f)};
  try {
    quantize_int8(g, cal);
    FAIL() << "densenet121 quantized";
  } catch (const UsageError& e) {
    EXPECT_NE(
        std::string(e.what()).find("(batch_norm2d features.denseblock1.denselayer1.norm1) does not follow a conv"),
        std::string::npos)
        << e.what();
  }
}

TEST(Int8, OptimizedEqualsReferenceThroughTheNetwork) {
  for (const char* model : {"resnet20", "mobilenetv2"}) {
    const Graph g = int8_model(model, "cifar10");
    const ImageSet images = testing::random_images(g, 3, 11);
    Tensor x({3, 3, 32, 32});
    images.normalize(0, 3, x.ptr());
    ExecutorOptions ref{1, KernelVariant::Reference, 128}, opt1{1, KernelVariant::Optimized, 128},
        opt2{2, KernelVariant::Optimized, 2};
    const Tensor a = Executor(g, ref).forward(x);
    const Tensor b = Executor(g, opt1).forward(x);
    const Tensor c = Executor(g, opt2).forward(x);
    ASSERT_EQ(0, std::memcmp(a.ptr(), b.ptr(), sizeof(float) * a.data.size())) << model;
    ASSERT_EQ(0, std::memcmp(a.ptr(), c.ptr(), sizeof(float) * a.data.size())) << model;
    float spread = 0.0f;  // the logits are dequantized fp32, not codes
    for (float v : a.data) spread = std::max(spread, std::fabs(v - std::nearbyint(v)));
    EXPECT_GT(spread, 0.0f) << model;
  }
}

TEST(Int8, TheCalibrationIsPartOfTheBinding) {
  CampaignBinding a;
  a.numerics = "int8";
  a.calibration = "first 100 test images (sha256 aa)";
  const CampaignBinding back = CampaignBinding::from_json(a.to_json(), "test");
  EXPECT_EQ(back.calibration, a.calibration);
  CampaignBinding b = a;
  b.calibration = "first 50 test images (sha256 bb)";
  EXPECT_EQ(a.difference(b),
            "the int8 calibration changed (was first 100 test images (sha256 aa), now first 50 test images (sha256 "
            "bb))");
  CampaignBinding fp32;  // no calibration: the record keeps its old bytes
  EXPECT_FALSE(fp32.to_json().contains("calibration"));
}

std::vector<FaultCounts> run_engine(const Graph& g, const ImageSet& images, const std::vector<Fault>& faults,
                                    CampaignMode mode, int threads) {
  EngineOptions o;
  o.mode = mode;
  o.threads = threads;
  o.max_chunk_images = 5;
  o.profile = mode == CampaignMode::Fast;
  CampaignEngine engine(g, images, o);
  std::vector<ResolvedFault> rf;
  for (const Fault& f : faults) rf.push_back(resolve_fault(g, f));
  std::vector<FaultCounts> out;
  EXPECT_TRUE(engine.run(rf, out));
  if (mode == CampaignMode::Fast) {  // every fault that changes a code ran in the fast mode itself
    int64_t simulated = 0, changing = 0;
    for (const auto& l : engine.profile().by_faulty_layer) simulated += l.faults;
    for (const ResolvedFault& f : rf) {
      const float w = g.params[size_t(f.param)].value.data[size_t(f.offset)];
      changing += apply_fault(w, f.bit, f.model, Numerics::Int8) != w;
    }
    EXPECT_EQ(simulated, changing);
    EXPECT_GT(simulated, 0);
  }
  return out;
}

TEST(Int8, FastEqualsBruteForceWithOneAndTwoThreads) {
  for (const char* model : {"resnet20", "mobilenetv2"}) {
    const bool small = std::string(model) == "resnet20";
    const Graph g = int8_model(model, "cifar10");
    const ImageSet images = testing::random_images(g, small ? 8 : 4, 11);
    std::vector<Fault> faults = testing::random_faults(g, small ? 16 : 8, 13);
    for (size_t i = 0; i < faults.size(); ++i) {
      faults[i].site.bit = int(i % 8);
      if (i % 5 == 4) faults[i].model = FaultModel::StuckAt1;
    }
    const auto brute = run_engine(g, images, faults, CampaignMode::BruteForce, 1);
    int64_t masked = 0, changed = 0;
    for (const FaultCounts& fc : brute) masked += fc.masked, changed += fc.non_critical + fc.critical;
    EXPECT_GT(masked, 0) << model;
    EXPECT_GT(changed, 0) << model;
    const auto fast1 = run_engine(g, images, faults, CampaignMode::Fast, 1);
    const auto fast2 = run_engine(g, images, faults, CampaignMode::Fast, 2);
    for (size_t i = 0; i < faults.size(); ++i) {
      EXPECT_EQ(brute[i], fast1[i]) << model << " fault " << i << " " << faults[i].site.layer;
      EXPECT_EQ(brute[i], fast2[i]) << model << " fault " << i << " (2 threads)";
    }
  }
}

}  // namespace
}  // namespace faultbench
