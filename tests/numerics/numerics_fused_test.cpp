// bf16/fp16 with the Round nodes fused into the conv steps (executor_plan.h): the same bits
// as the reference form, where every Round node runs as a step of its own
// (ExecutorOptions::fuse_rounding = false), on zoo models with random weights; and the
// epilogue's rounding functions (faultbench/ops/rounding.h) equal round_to_format.
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <random>

#include "../campaign/campaign_fixtures.h"
#include "faultbench/executor.h"
#include "faultbench/graph/executor_campaign.h"
#include "faultbench/graph/numerics.h"
#include "faultbench/graph/numerics_graph.h"
#include "faultbench/ops/rounding.h"

namespace faultbench {
namespace {

TEST(FusedRounding, EpilogueRoundingEqualsRoundToFormat) {
  std::vector<float> xs;
  for (uint64_t u = 0; u <= 0xffffffffu; u += 4093) xs.push_back(std::bit_cast<float>(uint32_t(u)));
  std::mt19937 rng(17);
  for (int i = 0; i < 100000; ++i) xs.push_back(std::bit_cast<float>(uint32_t(rng())));
  for (uint32_t u : {0x7f800000u, 0xff800000u, 0x7f800001u, 0xffc00000u, 0x477fefffu, 0x477ff000u, 0x33000000u,
                     0x33000001u, 0x387fffffu, 0x7f7fffffu, 0x80000000u, 0x00000001u})
    xs.push_back(std::bit_cast<float>(u));
  for (const auto& [r, f] :
       {std::pair{ops::Rounding::Bf16, RoundFormat::Bf16}, {ops::Rounding::Fp16, RoundFormat::Fp16}}) {
    std::vector<float> bulk = xs;
    ops::round_values(r, bulk.data(), int64_t(bulk.size()));
    for (size_t i = 0; i < xs.size(); ++i) {
      const uint32_t want = std::bit_cast<uint32_t>(round_to_format(f, xs[i]));
      ASSERT_EQ(std::bit_cast<uint32_t>(ops::round_value(r, xs[i])), want)
          << std::hex << std::bit_cast<uint32_t>(xs[i]);
      ASSERT_EQ(std::bit_cast<uint32_t>(bulk[i]), want) << std::hex << std::bit_cast<uint32_t>(xs[i]);
    }
  }
}

struct ZooCase {
  const char* model;
  const char* dataset;
};

class FusedRoundingZoo : public ::testing::TestWithParam<ZooCase> {};

TEST_P(FusedRoundingZoo, SameLogitsAsTheRoundNodeForm) {
  const ZooCase c = GetParam();
  for (const Numerics n : {Numerics::Bf16, Numerics::Fp16}) {
    SCOPED_TRACE(numerics_name(n));
    Graph g = build_model(c.model, c.dataset);
    testing::randomize_weights(g, 7);
    apply_numerics(g, n);
    const int count = 3;
    const ImageSet images = testing::random_images(g, count, 11);
    Tensor x({count, g.input_shape.c, g.input_shape.h, g.input_shape.w});
    images.normalize(0, count, x.ptr());
    ExecutorOptions nodes{1, KernelVariant::Optimized, 128};
    nodes.fuse_rounding = false;
    ExecutorOptions fused{n == Numerics::Bf16 ? 1 : 2, KernelVariant::Optimized, 2};
    Executor a(g, nodes), b(g, fused);
    // The fused form runs fewer steps: the Round nodes after convs, batch norms and adds
    // are members of the conv's (or batch norm's) step.
    int rounds_alone = 0, rounds_fused = 0;
    for (const ExecStep& st : ExecutorSteps(b).steps())
      for (int m : st.members)
        if (g.nodes[size_t(m)].kind == OpKind::Round) (m == st.node ? rounds_alone : rounds_fused)++;
    int rounds = 0;
    for (const Node& node : g.nodes) rounds += node.kind == OpKind::Round;
    EXPECT_GT(rounds_fused, 0);
    EXPECT_EQ(rounds_alone + rounds_fused, rounds);
    EXPECT_LT(ExecutorSteps(b).steps().size(), ExecutorSteps(a).steps().size());
    // ResNet20: only the input's, the global average pool's and the linear layer's stay.
    if (std::string(c.model) == "resnet20") {
      EXPECT_EQ(rounds_alone, 3);
    }
    const Tensor la = a.forward(x), lb = b.forward(x);
    ASSERT_EQ(0, std::memcmp(la.ptr(), lb.ptr(), sizeof(float) * la.data.size()));
  }
}

INSTANTIATE_TEST_SUITE_P(Zoo, FusedRoundingZoo,
                         ::testing::Values(ZooCase{"resnet20", "cifar10"}, ZooCase{"mobilenetv2", "cifar10"},
                                           ZooCase{"densenet121", "cifar10"}, ZooCase{"resnet18", "cifar100"}),
                         [](const auto& info) { return std::string(info.param.model); });

}  // namespace
}  // namespace faultbench
