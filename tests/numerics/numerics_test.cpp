// Number formats (docs/NUMERICS.md): the rounding functions, 16-bit fault flips, the graph
// rewrite per mode, and for every mode fast == brute force (1 and 2 threads) and the
// optimized kernels == the reference ones, bitwise.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "../campaign/campaign_fixtures.h"
#include "faultbench/campaign/engine.h"
#include "faultbench/executor.h"
#include "faultbench/graph/numerics_graph.h"
#include "faultbench/graph/numerics.h"

namespace faultbench {
namespace {

uint32_t bits(float v) { return std::bit_cast<uint32_t>(v); }
float from(uint32_t u) { return std::bit_cast<float>(u); }

TEST(Rounding, Tf32KeepsTenMantissaBitsRoundingToNearestEven) {
  // 1 + 2^-10 is a TF32 value; 1 + 2^-11 is the tie between 1 and 1 + 2^-10: to even (1).
  EXPECT_EQ(round_to_format(RoundFormat::Tf32, 1.0f + 0x1p-10f), 1.0f + 0x1p-10f);
  EXPECT_EQ(round_to_format(RoundFormat::Tf32, 1.0f + 0x1p-11f), 1.0f);
  EXPECT_EQ(round_to_format(RoundFormat::Tf32, 1.0f + 0x1p-10f + 0x1p-11f), 1.0f + 0x1p-9f);   // tie, odd: up
  EXPECT_EQ(round_to_format(RoundFormat::Tf32, 1.0f + 0x1p-11f + 0x1p-20f), 1.0f + 0x1p-10f);  // above the tie
  // Flips of bits 0..11 never change the rounded value unless they make or break a tie.
  const float w = from(0x3e6a3b21u);  // bit 12 clear
  for (int b = 0; b < 12; ++b)
    EXPECT_EQ(bits(round_to_format(RoundFormat::Tf32, from(bits(w) ^ (1u << b)))),
              bits(round_to_format(RoundFormat::Tf32, w)))
        << "bit " << b;
  EXPECT_NE(bits(round_to_format(RoundFormat::Tf32, from(bits(w) ^ (1u << 13)))),
            bits(round_to_format(RoundFormat::Tf32, w)));
  // The largest finite fp32 rounds up to Inf; Inf and NaN stay.
  EXPECT_TRUE(std::isinf(round_to_format(RoundFormat::Tf32, std::numeric_limits<float>::max())));
  EXPECT_TRUE(std::isnan(round_to_format(RoundFormat::Tf32, from(0x7f800001u))));  // payload only in low bits
  EXPECT_EQ(round_to_format(RoundFormat::Tf32, -INFINITY), -INFINITY);
  EXPECT_EQ(bits(round_to_format(RoundFormat::Tf32, -0.0f)), 0x80000000u);
}

TEST(Rounding, Bf16MatchesTheReferenceDefinition) {
  EXPECT_EQ(round_to_format(RoundFormat::Bf16, 1.0f + 0x1p-8f), 1.0f);  // tie to even
  EXPECT_EQ(round_to_format(RoundFormat::Bf16, 1.0f + 0x1p-7f + 0x1p-8f), 1.0f + 0x1p-6f);
  EXPECT_EQ(bf16_bits(round_to_format(RoundFormat::Bf16, 3.140625f)), 0x4049u);
  EXPECT_TRUE(std::isinf(round_to_format(RoundFormat::Bf16, 3.4e38f)));
  // Every bf16 encoding survives the round trip (NaN stays NaN).
  for (uint32_t b = 0; b < 65536; ++b) {
    const float v = bf16_from_bits(uint16_t(b));
    if (std::isnan(v)) {
      EXPECT_TRUE(std::isnan(round_to_format(RoundFormat::Bf16, v)));
      continue;
    }
    ASSERT_EQ(bf16_bits(round_to_format(RoundFormat::Bf16, v)), b);
  }
}

TEST(Rounding, Fp16RoundsToNearestEvenWithSubnormalsAndOverflow) {
  EXPECT_EQ(fp16_bits(1.0f), 0x3c00u);
  EXPECT_EQ(fp16_bits(65504.0f), 0x7bffu);
  EXPECT_EQ(fp16_bits(65519.0f), 0x7bffu);
  EXPECT_EQ(fp16_bits(65520.0f), 0x7c00u);  // the tie above the largest rounds to Inf
  EXPECT_EQ(fp16_bits(-1e6f), 0xfc00u);
  EXPECT_EQ(fp16_bits(0x1p-24f), 0x0001u);  // smallest subnormal
  EXPECT_EQ(fp16_bits(0x1p-25f), 0x0000u);  // tie with 0: to even
  EXPECT_EQ(fp16_bits(0x1p-25f + 0x1p-40f), 0x0001u);
  EXPECT_EQ(fp16_bits(0x1p-24f * 3 / 2), 0x0002u);     // 1.5 ulp: tie, 1 is odd -> 2
  EXPECT_EQ(fp16_bits(0x1p-14f), 0x0400u);             // smallest normal
  EXPECT_EQ(fp16_bits(0x1p-14f - 0x1p-25f), 0x0400u);  // rounds up into the normals
  EXPECT_EQ(fp16_bits(1.0f + 0x1p-11f), 0x3c00u);      // tie to even
  EXPECT_EQ(fp16_bits(1.0f + 0x1p-11f + 0x1p-12f), 0x3c01u);
  for (uint32_t b = 0; b < 65536; ++b) {
    const float v = fp16_from_bits(uint16_t(b));
    if (std::isnan(v)) {
      EXPECT_TRUE(std::isnan(round_to_format(RoundFormat::Fp16, v)));
      continue;
    }
    ASSERT_EQ(fp16_bits(v), b) << std::hex << b;
    ASSERT_EQ(bits(round_to_format(RoundFormat::Fp16, v)), bits(v));
  }
  // The branch-free rounding equals the round trip through the 16-bit word, on every class
  // of value (the float bit patterns swept with a stride, plus random ones), in bulk too.
  std::vector<float> xs;
  for (uint64_t u = 0; u <= 0xffffffffu; u += 4099) xs.push_back(from(uint32_t(u)));
  std::mt19937 sweep(5);
  for (int i = 0; i < 200000; ++i) xs.push_back(from(sweep()));
  std::vector<float> ys(xs.size());
  round_span(RoundFormat::Fp16, xs.data(), ys.data(), int64_t(xs.size()));
  for (size_t i = 0; i < xs.size(); ++i) {
    const float want = fp16_from_bits(fp16_bits(xs[i]));
    if (std::isnan(want)) {
      ASSERT_TRUE(std::isnan(ys[i]));
      ASSERT_EQ(bits(ys[i]), bits(want)) << std::hex << bits(xs[i]);  // the same payload
      continue;
    }
    ASSERT_EQ(bits(ys[i]), bits(want)) << std::hex << bits(xs[i]);
    ASSERT_EQ(bits(round_to_format(RoundFormat::Fp16, xs[i])), bits(want));
  }
  // Against the definition on random values: the nearest of the two neighbours, ties to even.
  std::mt19937 rng(3);
  for (int i = 0; i < 100000; ++i) {
    const float v = from((rng() & 0x87ffffffu) | 0x30000000u);  // magnitudes 2^-31 .. 2^32
    const float r = round_to_format(RoundFormat::Fp16, v);
    if (std::isinf(r)) {
      ASSERT_GE(std::fabs(v), 65520.0f);
      continue;
    }
    const uint16_t h = fp16_bits(r);
    const float up = fp16_from_bits(uint16_t(h + 1)), down = h & 0x7fff ? fp16_from_bits(uint16_t(h - 1)) : -r;
    ASSERT_LE(std::fabs(double(v) - r), std::fabs(double(v) - up)) << v;
    ASSERT_LE(std::fabs(double(v) - r), std::fabs(double(v) - down)) << v;
  }
}

TEST(Faults, SixteenBitFormatsFlipTheirOwnEncoding) {
  const float w = bf16_from_bits(0x3e80);  // 0.25
  EXPECT_EQ(bf16_bits(apply_fault(w, 0, FaultModel::BitFlip, Numerics::Bf16)), 0x3e81u);
  EXPECT_EQ(bf16_bits(apply_fault(w, 15, FaultModel::BitFlip, Numerics::Bf16)), 0xbe80u);
  const float h = fp16_from_bits(0x3400);  // 0.25
  EXPECT_EQ(fp16_bits(apply_fault(h, 14, FaultModel::BitFlip, Numerics::Fp16)), 0x7400u);
  EXPECT_EQ(fp16_bits(apply_fault(h, 10, FaultModel::StuckAt0, Numerics::Fp16)), 0x3000u);
  EXPECT_TRUE(std::isinf(apply_fault(fp16_from_bits(0x3c00), 14, FaultModel::BitFlip, Numerics::Fp16)));
  // fp32-stored modes flip the binary32 word, before any rounding.
  EXPECT_EQ(bits(apply_fault(1.0f, 3, FaultModel::BitFlip, Numerics::Tf32)), 0x3f800008u);
}

Graph random_model(const char* model, const char* dataset) {
  Graph g = build_model(model, dataset);
  testing::randomize_weights(g, 7);
  return g;
}

// The fields of each format's bits, checked against the encodings: a flip of a mantissa bit
// of 1.0 keeps the exponent, an exponent bit changes the power of two, the sign the sign.
TEST(Faults, WeightBitFieldsAreTheFormatsOwn) {
  EXPECT_STREQ(weight_bit_field(Numerics::Fp32, 31), "sign");
  EXPECT_STREQ(weight_bit_field(Numerics::Tf32Published, 23), "exponent");
  EXPECT_STREQ(weight_bit_field(Numerics::Tf32, 22), "mantissa");
  for (Numerics n : {Numerics::Bf16, Numerics::Fp16}) {
    const uint16_t one = n == Numerics::Bf16 ? bf16_bits(1.0f) : fp16_bits(1.0f);
    for (int b = 0; b < 16; ++b) {
      const uint16_t flipped = uint16_t(one ^ (1u << b));
      const float v = n == Numerics::Bf16 ? bf16_from_bits(flipped) : fp16_from_bits(flipped);
      const std::string field = weight_bit_field(n, b);
      if (field == "sign")
        EXPECT_EQ(v, -1.0f) << b;
      else if (field == "mantissa")
        EXPECT_TRUE(v > 1.0f && v < 2.0f) << numerics_name(n) << " bit " << b;
      else
        EXPECT_TRUE(v != 1.0f && (v >= 2.0f || v < 1.0f) && std::ilogb(v) != 0) << numerics_name(n) << " bit " << b;
    }
  }
  EXPECT_STREQ(weight_bit_field(Numerics::Int8, 7), "sign");
  EXPECT_STREQ(weight_bit_field(Numerics::Int8, 0), "value");
  EXPECT_THROW(weight_bit_field(Numerics::Int8, 8), std::exception);
}

TEST(NumericsGraph, Tf32PublishedRunsResNet20sLayer3OnTensorCoresOnly) {
  Graph g = random_model("resnet20", "cifar10");
  const NumericsReport r = apply_numerics(g, Numerics::Tf32Published);
  std::vector<std::string> want;
  for (int b = 0; b < 3; ++b)
    for (int c = 1; c <= 2; ++c) want.push_back("layer3." + std::to_string(b) + ".conv" + std::to_string(c));
  EXPECT_EQ(r.tf32_layers, want);
  Graph all = random_model("resnet20", "cifar10");
  EXPECT_EQ(apply_numerics(all, Numerics::Tf32).tf32_layers.size(), 20u);  // 19 convs + the linear layer
}

TEST(NumericsGraph, Fp32LeavesTheGraphUntouchedAndBf16ConvertsEveryParameter) {
  Graph g = random_model("resnet20", "cifar10");
  const size_t nodes = g.nodes.size();
  apply_numerics(g, Numerics::Fp32);
  EXPECT_EQ(g.nodes.size(), nodes);
  Graph b = random_model("resnet20", "cifar10");
  b.params[0].value.data[0] = 1e39f;    // not even fp32-finite: stays Inf, no overflow report
  b.params[0].value.data[1] = 3.4e38f;  // above bf16's largest (3.39e38) + half an ulp
  Graph h = random_model("resnet20", "cifar10");
  h.params[0].value.data[5] = 70000.0f;
  const NumericsReport rb = apply_numerics(b, Numerics::Bf16);
  const NumericsReport rh = apply_numerics(h, Numerics::Fp16);
  EXPECT_EQ(rb.overflowed, 1);
  EXPECT_EQ(rh.overflowed, 1);
  EXPECT_EQ(rh.first_overflow, "conv1.weight[5]");
  for (const Param& p : h.params)
    for (float v : p.value.data) ASSERT_EQ(bits(round_to_format(RoundFormat::Fp16, v)), bits(v)) << p.name;
  EXPECT_GT(h.nodes.size(), nodes);
}

// Every mode's logits: optimized == reference, batch == single image, 1 == 2 threads.
class ModeKernels : public ::testing::TestWithParam<Numerics> {};

TEST_P(ModeKernels, OptimizedEqualsReferenceBitwise) {
  Graph g = random_model("resnet20", "cifar10");
  apply_numerics(g, GetParam());
  const ImageSet images = testing::random_images(g, 6, 11);
  Tensor x({6, 3, 32, 32});
  images.normalize(0, 6, x.ptr());
  ExecutorOptions ref{1, KernelVariant::Reference, 128}, opt1{1, KernelVariant::Optimized, 128},
      opt2{2, KernelVariant::Optimized, 3};
  const Tensor a = Executor(g, ref).forward(x);
  const Tensor b = Executor(g, opt1).forward(x);
  const Tensor c = Executor(g, opt2).forward(x);
  ASSERT_EQ(0, std::memcmp(a.ptr(), b.ptr(), sizeof(float) * a.data.size()));
  ASSERT_EQ(0, std::memcmp(a.ptr(), c.ptr(), sizeof(float) * a.data.size()));
  if (GetParam() == Numerics::Bf16 || GetParam() == Numerics::Fp16) {
    const RoundFormat f = weight_storage_format(GetParam());
    for (float v : a.data) ASSERT_EQ(bits(round_to_format(f, v)), bits(v));  // logits in the format
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, ModeKernels,
                         ::testing::Values(Numerics::Tf32, Numerics::Tf32Published, Numerics::Bf16, Numerics::Fp16),
                         [](const auto& info) {
                           std::string s = numerics_name(info.param);
                           for (char& ch : s)
                             if (ch == '-') ch = '_';
                           return s;
                         });

using testing::run_engine;

struct ModeCase {
  const char* model;
  const char* dataset;
  Numerics numerics;
  int images, faults;
};

void PrintTo(const ModeCase& c, std::ostream* os) { *os << c.model << " " << numerics_name(c.numerics); }

class ModeFastVsBrute : public ::testing::TestWithParam<ModeCase> {};

TEST_P(ModeFastVsBrute, SameCountsWithOneAndTwoThreads) {
  const ModeCase c = GetParam();
  Graph g = random_model(c.model, c.dataset);
  apply_numerics(g, c.numerics);
  const ImageSet images = testing::random_images(g, c.images, 11);
  std::vector<Fault> faults = testing::random_faults(g, c.faults, 13);
  const int width = numerics_weight_bits(c.numerics);
  for (size_t i = 0; i < faults.size(); ++i) {
    if (width == 16) faults[i].site.bit = faults[i].site.bit == 30 ? 14 : faults[i].site.bit % 16;
    if (i % 4 == 1) faults[i].site.bit = int(i % 12);  // low bits: TF32 masks them in the chosen layers
  }
  const auto brute = run_engine(g, images, faults, CampaignMode::BruteForce, 2);
  int64_t masked = 0, changed = 0;
  for (const FaultCounts& fc : brute) {
    masked += fc.masked;
    changed += fc.non_critical + fc.critical + fc.due;
  }
  EXPECT_GT(masked, 0);
  EXPECT_GT(changed, 0);
  const auto fast1 = run_engine(g, images, faults, CampaignMode::Fast, 1);
  const auto fast2 = run_engine(g, images, faults, CampaignMode::Fast, 2, 5);
  for (size_t i = 0; i < faults.size(); ++i) {
    EXPECT_EQ(brute[i], fast1[i]) << "fault " << i << " " << faults[i].site.layer << " bit " << faults[i].site.bit;
    EXPECT_EQ(brute[i], fast2[i]) << "fault " << i << " (2 threads)";
  }
}

INSTANTIATE_TEST_SUITE_P(Zoo, ModeFastVsBrute,
                         ::testing::Values(ModeCase{"resnet20", "cifar10", Numerics::Tf32, 12, 24},
                                           ModeCase{"resnet20", "cifar10", Numerics::Tf32Published, 12, 24},
                                           ModeCase{"resnet20", "cifar10", Numerics::Bf16, 12, 24},
                                           ModeCase{"resnet20", "cifar10", Numerics::Fp16, 12, 24},
                                           ModeCase{"densenet121", "cifar10", Numerics::Tf32Published, 4, 6},
                                           ModeCase{"mobilenetv2", "cifar10", Numerics::Bf16, 4, 8}),
                         [](const auto& info) {
                           std::string s = std::string(info.param.model) + "_" + numerics_name(info.param.numerics);
                           for (char& ch : s)
                             if (ch == '-') ch = '_';
                           return s;
                         });

}  // namespace
}  // namespace faultbench
