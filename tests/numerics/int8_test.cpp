// --numerics int8 (docs/NUMERICS.md "int8"): the graph rewrite (codes in the weight
// parameters, BN folded, ReLUs fused), int8 weight faults, the optimized kernels == the
// reference ones through whole networks (1 and 2 threads, any batch), and fast == brute
// force campaigns on zoo models with random weights (the fast mode running every weight
// fault; more in int8_fast_test.cpp).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <bit>
#include <climits>
#include <cmath>
#include <cstring>
#include <string>

#include "../campaign/campaign_fixtures.h"
#include "faultbench/campaign/engine.h"
#include "faultbench/campaign/int8_setup.h"
#include "faultbench/campaign/journal.h"
#include "faultbench/error.h"
#include "faultbench/executor.h"
#include "faultbench/faults/fault.h"
#include "faultbench/faults/sampling.h"
#include "faultbench/graph/quantize.h"

namespace faultbench {
namespace {

// A zoo model with random weights, quantized with 4 (or `images`) random calibration images.
Graph int8_model(const char* model, const char* dataset, Int8Report* report = nullptr, int images = 4) {
  Graph g = build_model(model, dataset);
  testing::randomize_weights(g, 7);
  const ImageSet cal = testing::random_images(g, images, 3);
  Tensor x({images, g.input_shape.c, g.input_shape.h, g.input_shape.w});
  cal.normalize(0, images, x.ptr());
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
  if (mode == CampaignMode::Fast) {  // every weight fault that changes a code ran in the fast mode itself
    int64_t simulated = 0, changing = 0;
    for (const auto& l : engine.profile().by_faulty_layer) simulated += l.faults;
    for (const ResolvedFault& f : rf) {
      if (is_int32_bias_site(g, f.param)) continue;  // bias faults run by brute force
      const float w = g.params[size_t(f.param)].value.data[size_t(f.offset)];
      changing += apply_fault(w, f.bit, f.model, Numerics::Int8) != w;
    }
    EXPECT_EQ(simulated, changing);
    EXPECT_GT(simulated, 0);
  }
  return out;
}

// (Until Concat and standalone batch norm were covered, DenseNet121 was the refused model;
// every zoo model quantizes now: an ONNX operator stands in.)
TEST(Int8, UncoveredOperatorsAreRefusedNamingTheNode) {
  Graph g = build_model("resnet20", "cifar10");
  testing::randomize_weights(g, 7);
  size_t relu = 0;  // the first residual block's ReLU after its add, made a sigmoid
  while (!(g.nodes[relu].kind == OpKind::ReLU && g.nodes[relu - 1].kind == OpKind::Add)) ++relu;
  g.nodes[relu].kind = OpKind::Unary;
  g.nodes[relu].attrs = UnaryAttrs{};
  const Int8Calibration cal{1, std::vector<float>(g.values.size(), 1.0f)};
  try {
    quantize_int8(g, cal);
    FAIL() << "a sigmoid quantized";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(fmt::format("node {} (unary) is not covered by int8", relu)),
              std::string::npos)
        << e.what();
  }
}

// Concat and standalone batch norm (docs/NUMERICS.md "int8"): DenseNet's pre-activation
// blocks and GoogLeNet's inception concatenations quantize; 1 and 2 threads give the same
// logits (the two ops have one kernel each, for both variants; the convs' variants are
// compared above and in tests/ops), and fast == brute force. Small: about 2 s each.
TEST(Int8, DenseNetAndGoogLeNetQuantize) {
  for (const char* model : {"densenet121", "googlenet"}) {
    Int8Report report;
    const Graph g = int8_model(model, "cifar10", &report, 2);
    bool concat = false, affine = false;
    for (const Node& n : g.nodes) {
      ASSERT_NE(n.kind, OpKind::Concat) << model;
      ASSERT_NE(n.kind, OpKind::BatchNorm2d) << model;
      if (n.kind != OpKind::Quantized) continue;
      concat = concat || std::get<QuantizedAttrs>(n.attrs).op == QuantOp::Concat;
      affine = affine || std::get<QuantizedAttrs>(n.attrs).op == QuantOp::Affine;
    }
    EXPECT_TRUE(concat) << model;
    EXPECT_EQ(affine, std::string(model) == "densenet121");
    EXPECT_EQ(report.affine_batch_norms > 0, affine) << model;
    const ImageSet images = testing::random_images(g, 2, 11);
    Tensor x({2, 3, 32, 32});
    images.normalize(0, 2, x.ptr());
    const Tensor a = Executor(g, ExecutorOptions{1, KernelVariant::Optimized, 128}).forward(x);
    const Tensor b = Executor(g, ExecutorOptions{2, KernelVariant::Optimized, 1}).forward(x);
    ASSERT_EQ(0, std::memcmp(a.ptr(), b.ptr(), sizeof(float) * a.data.size())) << model;
    std::vector<Fault> faults = testing::random_faults(g, 3, 13);
    for (size_t i = 0; i < faults.size(); ++i) faults[i].site.bit = int(7 - i);
    const auto brute = run_engine(g, images, faults, CampaignMode::BruteForce, 1);
    const auto fast = run_engine(g, images, faults, CampaignMode::Fast, 2);
    for (size_t i = 0; i < faults.size(); ++i) EXPECT_EQ(brute[i], fast[i]) << model << " fault " << i;
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

// Faults in the int32 biases (docs/NUMERICS.md "int8", Faults): "<layer>.bias" sites whose
// parameter words are the int32 codes' bits.
TEST(Int8, TheInt32BiasesAreFaultSites) {
  const Graph fp32 = build_model("resnet20", "cifar10");
  const Graph g = int8_model("resnet20", "cifar10");
  const std::vector<WeightSite> sites = int32_bias_sites(g);
  ASSERT_EQ(sites.size(), 20u);  // the linear layer's own bias, and 19 folded batch norms
  EXPECT_EQ(sites, int8_bias_sites(fp32));
  EXPECT_TRUE(int32_bias_sites(fp32).empty());
  EXPECT_EQ(sites.front(), (WeightSite{"linear.bias", {10}, 32}));
  EXPECT_EQ(sites[1], (WeightSite{"conv1.bias", {16}, 32}));
  const int p = *g.find_param("conv1.bias");
  EXPECT_TRUE(is_int32_bias_site(g, p));
  EXPECT_FALSE(is_int32_bias_site(g, *g.find_param("conv1.weight")));
  EXPECT_FALSE(is_int32_bias_site(g, *g.find_param("bn1.bias")));  // folded: no longer read
  const float five = std::bit_cast<float>(int32_t(5));
  EXPECT_EQ(std::bit_cast<int32_t>(apply_param_fault(g, p, five, 31, FaultModel::BitFlip)), INT32_MIN + 5);
  EXPECT_EQ(std::bit_cast<int32_t>(apply_param_fault(g, p, five, 2, FaultModel::StuckAt0)), 1);
  Fault f;
  f.site = FaultSite{"conv1.bias", {3}, 30};
  const ResolvedFault r = resolve_fault(g, f);
  EXPECT_EQ(r.param, p);
  EXPECT_EQ(r.offset, 3);
  EXPECT_EQ(r.node, g.params[size_t(p)].node);
  f.site.layer = "bn1.bias";
  EXPECT_THROW(resolve_fault(g, f), UsageError);
}

// A faulty bias can make acc + bias leave int32: every kernel wraps as vpaddd does.
TEST(Int8, BiasFaultsGiveTheSameLogitsOnEveryKernel) {
  Graph g = int8_model("resnet20", "cifar10");
  for (const char* name : {"conv1.bias", "layer1.0.conv2.bias", "layer3.2.conv2.bias", "linear.bias"}) {
    Param& b = g.params[size_t(*g.find_param(name))];
    for (int64_t c = 0; c < b.value.size(); ++c)
      b.value.data[size_t(c)] = apply_fault(b.value.data[size_t(c)], 29 + int(c % 3), FaultModel::BitFlip);
  }
  const ImageSet images = testing::random_images(g, 3, 11);
  Tensor x({3, 3, 32, 32});
  images.normalize(0, 3, x.ptr());
  const Tensor a = Executor(g, ExecutorOptions{1, KernelVariant::Reference, 128}).forward(x);
  const Tensor b = Executor(g, ExecutorOptions{2, KernelVariant::Optimized, 2}).forward(x);
  ASSERT_EQ(0, std::memcmp(a.ptr(), b.ptr(), sizeof(float) * a.data.size()));
}

TEST(Int8, BiasFaultsRunByBruteForceInAFastCampaign) {
  const Graph g = int8_model("resnet20", "cifar10");
  const ImageSet images = testing::random_images(g, 6, 11);
  std::vector<Fault> faults = testing::random_faults(g, 6, 17);
  const std::vector<WeightSite> biases = int32_bias_sites(g);
  for (size_t i = 0; i < faults.size(); ++i) faults[i].site.bit = int(i % 8);
  for (int i = 0; i < 8; ++i) {
    Fault f;
    f.injection = int64_t(faults.size());
    const WeightSite& s = biases[size_t(i * 5) % biases.size()];
    f.site = FaultSite{s.layer, {int64_t(i) % s.shape[0]}, 31 - 3 * i};
    if (i == 7) f.model = FaultModel::StuckAt0;
    faults.push_back(f);
  }
  const auto brute = run_engine(g, images, faults, CampaignMode::BruteForce, 1);
  int64_t changed = 0;
  for (size_t i = 6; i < faults.size(); ++i) changed += brute[i].non_critical + brute[i].critical;
  EXPECT_GT(changed, 0);
  const auto fast = run_engine(g, images, faults, CampaignMode::Fast, 2);
  for (size_t i = 0; i < faults.size(); ++i)
    EXPECT_EQ(brute[i], fast[i]) << "fault " << i << " " << faults[i].site.layer;
}

// faultlist --int8-biases: N = W x 8 x 2 + B x 32 x 2, a layer's share its population's.
TEST(Int8, SamplingWithTheBiasesCountsTheirThirtyTwoBits) {
  const Graph fp32 = build_model("resnet20", "cifar10");
  std::vector<WeightSite> sites = fault_sites(fp32);
  const std::vector<WeightSite> biases = int8_bias_sites(fp32);
  sites.insert(sites.end(), biases.begin(), biases.end());
  SamplingParams p;
  p.bits = 8;
  SamplePlan plan;
  const FaultList list = generate_fault_list(sites, p, &plan);
  EXPECT_EQ(plan.weights, 268336);
  EXPECT_EQ(plan.biases, 698);
  EXPECT_EQ(plan.population, 268336 * 16 + 698 * 64);
  int64_t bias_faults = 0;
  for (const Fault& f : list.faults) {
    const bool bias = f.site.layer.ends_with(".bias");
    bias_faults += bias;
    ASSERT_LT(f.site.bit, bias ? 32 : 8) << f.site.layer;
  }
  // 698 x 4 of 268,336 + 698 x 4 units: about 1 % of the faults.
  EXPECT_NEAR(double(bias_faults) / double(list.size()), 2792.0 / 271128.0, 0.002);
  p.sites_per_fault = 2;
  EXPECT_THROW(plan_sample(sites, p), UsageError);
}

}  // namespace
}  // namespace faultbench
