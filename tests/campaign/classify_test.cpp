// Classification of one image against golden, and the result CSV format.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "faultbench/campaign/classify.h"
#include "faultbench/campaign/results_csv.h"
#include "faultbench/error.h"
#include "faultbench/tensor.h"

namespace faultbench {
namespace {

FaultCounts classify(std::vector<float> golden, std::vector<float> faulty, int label = 0) {
  FaultCounts c;
  classify_image(golden.data(), top1_index(golden.data(), int(golden.size())), faulty.data(), int(faulty.size()), label,
                 c);
  EXPECT_EQ(c.images(), 1);
  return c;
}

TEST(Classify, MaskedNonCriticalCritical) {
  EXPECT_EQ(classify({1, 2, 3}, {1, 2, 3}).masked, 1);
  EXPECT_EQ(classify({1, 2, 3}, {1, 2.5f, 3}).non_critical, 1);
  EXPECT_EQ(classify({1, 2, 3}, {1, 4, 3}).critical, 1);
}

TEST(Classify, BitwiseNotNumericEquality) {
  // -0 == +0 numerically, but the bits differ: not masked.
  EXPECT_EQ(classify({0.0f, 1}, {-0.0f, 1}).non_critical, 1);
}

TEST(Classify, NanIsNeverMaskedAndCountsAsLargestAndDue) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // Same NaN bits as golden: still not masked; top-1 is the NaN's index.
  FaultCounts c = classify({nan, 1, 2}, {nan, 1, 2});
  EXPECT_EQ(c.masked, 0);
  EXPECT_EQ(c.non_critical, 1);
  EXPECT_EQ(c.due, 1);
  // A NaN appearing elsewhere becomes top-1: critical.
  c = classify({0, 1, 2}, {0, nan, 2});
  EXPECT_EQ(c.critical, 1);
  EXPECT_EQ(c.due, 1);
  // The first NaN wins.
  EXPECT_EQ(top1_index(std::vector<float>{1, nan, nan}.data(), 3), 1);
}

TEST(Classify, InfIsDueTiesGoToLowestIndex) {
  const float inf = std::numeric_limits<float>::infinity();
  FaultCounts c = classify({0, 1, 2}, {0, 1, inf}, 2);
  EXPECT_EQ(c.non_critical, 1);
  EXPECT_EQ(c.due, 1);
  EXPECT_EQ(c.top1_correct, 1);
  // Tie between 1 and 2: index 1 wins, which differs from golden top-1 (2).
  c = classify({0, 1, 2}, {0, 2, 2}, 1);
  EXPECT_EQ(c.critical, 1);
  EXPECT_EQ(c.top1_correct, 1);
  EXPECT_EQ(c.due, 0);
}

TEST(ResultsCsv, ReferenceColumnsQuotingAndExtras) {
  Fault a;
  a.injection = 0;
  a.site = {"conv1", {3, 0, 2, 1}, 15};
  Fault b;
  b.injection = 7;
  b.site = {"fc", {9, 63}, 30};
  const std::string csv =
      format_results_csv({a, b}, {FaultCounts{14, 9985, 1, 0, 8000}, FaultCounts{0, 929, 9071, 12, 900}}, 10000);
  EXPECT_EQ(csv,
            "Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical,due,top1_correct\n"
            "0,conv1,\"(3, 0, 2, 1)\",15,10000,14,9985,1,0,8000\n"
            "7,fc,\"(9, 63)\",30,10000,0,929,9071,12,900\n");
  b.model = FaultModel::StuckAt1;
  const std::string with_model = format_results_csv({a, b}, {FaultCounts{}, FaultCounts{}}, 0);
  EXPECT_NE(with_model.find("Bit,FaultModel,n_injections"), std::string::npos);
  EXPECT_NE(with_model.find(",30,stuck-at-1,0,"), std::string::npos);
}

}  // namespace
}  // namespace faultbench

namespace faultbench {
namespace {

TEST(GoldenLogits, FiniteLogitsPassNanOrInfNamesWeightsImageAndLogit) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> logits = {1, 2, 3, -1e30f, 0, 5};  // 2 images, k = 3
  EXPECT_NO_THROW(check_golden_logits(logits.data(), 10, 2, 3, "w.th"));
  logits[4] = -inf;
  try {
    check_golden_logits(logits.data(), 10, 2, 3, "w.th");
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("w.th: the fault-free network gives test image 11 a non-finite logit "
                                          "(logit 1 = -inf): every fault would be DUE",
                                          0),
              0u)
        << e.what();
  }
}

}  // namespace
}  // namespace faultbench
