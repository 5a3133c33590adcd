#include "faultbench/faults/fault.h"

#include <gtest/gtest.h>

#include <bit>

#include "faultbench/error.h"

namespace faultbench {
namespace {

uint32_t bits(float f) { return std::bit_cast<uint32_t>(f); }

TEST(ApplyFault, BitFlipXorsTheBinary32Word) {
  EXPECT_EQ(bits(apply_fault(1.0f, 30, FaultModel::BitFlip)), 0x7F800000u);  // 1.0 -> +inf
  EXPECT_EQ(apply_fault(1.0f, 31, FaultModel::BitFlip), -1.0f);              // sign bit
  EXPECT_EQ(bits(apply_fault(1.0f, 0, FaultModel::BitFlip)), 0x3F800001u);   // bit 0 = LSB
  EXPECT_EQ(apply_fault(apply_fault(0.3f, 17, FaultModel::BitFlip), 17, FaultModel::BitFlip), 0.3f);
}

TEST(ApplyFault, StuckAtForcesTheBit) {
  EXPECT_EQ(apply_fault(1.0f, 23, FaultModel::StuckAt0), 0.5f);  // 0x3F800000 -> 0x3F000000
  EXPECT_EQ(apply_fault(1.0f, 22, FaultModel::StuckAt0), 1.0f);  // already 0
  EXPECT_EQ(apply_fault(1.0f, 29, FaultModel::StuckAt1), 1.0f);  // already 1
  EXPECT_EQ(bits(apply_fault(1.0f, 30, FaultModel::StuckAt1)), 0x7F800000u);
  EXPECT_EQ(apply_fault(-2.0f, 31, FaultModel::StuckAt0), 2.0f);
}

TEST(ApplyFault, RejectsBitsOutside0To31) {
  EXPECT_THROW(apply_fault(1.0f, 32, FaultModel::BitFlip), Error);
  EXPECT_THROW(apply_fault(1.0f, -1, FaultModel::StuckAt1), Error);
}

TEST(FaultModelNames, RoundTrip) {
  for (FaultModel m : {FaultModel::BitFlip, FaultModel::StuckAt0, FaultModel::StuckAt1})
    EXPECT_EQ(parse_fault_model(fault_model_name(m)), m);
  EXPECT_EQ(parse_fault_model("stuck-at-0"), FaultModel::StuckAt0);
  EXPECT_FALSE(parse_fault_model("stuckat0"));
  EXPECT_FALSE(parse_fault_model(""));
}

TEST(FlatIndex, RowMajor) {
  EXPECT_EQ(flat_index({16, 3, 3, 3}, {3, 0, 2, 1}), 3 * 27 + 0 * 9 + 2 * 3 + 1);
  EXPECT_EQ(flat_index({10, 64}, {7, 36}), 7 * 64 + 36);
  EXPECT_THROW(flat_index({10, 64}, {10, 0}), Error);
  EXPECT_THROW(flat_index({10, 64}, {1, 2, 3}), Error);
}

TEST(FaultSites, ConvAndLinearWeightsInParameterOrder) {
  GraphBuilder b("tiny", "cifar10", ValueShape{3, 8, 8}, 10);
  int x = b.conv2d("features.0", b.input(), Conv2dAttrs{3, 4, 1, true, Window2d::square(3, 1, 1)});
  x = b.batch_norm("features.1", x);
  x = b.relu(x);
  x = b.conv2d("dw", x, Conv2dAttrs{4, 4, 4, false, Window2d::square(3, 1, 1)});
  x = b.global_avg_pool(x);
  x = b.linear("classifier", x, 10);
  Graph g = b.finish(x);
  const std::vector<WeightSite> sites = fault_sites(g);
  ASSERT_EQ(sites.size(), 3u);
  EXPECT_EQ(sites[0], (WeightSite{"features.0", {4, 3, 3, 3}}));
  EXPECT_EQ(sites[1], (WeightSite{"dw", {4, 1, 3, 3}}));
  EXPECT_EQ(sites[2], (WeightSite{"classifier", {10, 4}}));
  EXPECT_EQ(total_weights(sites), 108 + 36 + 40);
}

}  // namespace
}  // namespace faultbench
