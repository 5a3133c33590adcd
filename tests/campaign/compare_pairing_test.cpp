// Which faults compare pairs, and when it refuses: by site, by Injection id only when a
// side has no sites, different fault sets, different image counts, rates.
#include <gtest/gtest.h>

#include <sstream>

#include "faultbench/campaign/compare.h"
#include "faultbench/error.h"
#include "test_support.h"

namespace faultbench {
namespace {

ResultTable parse(const std::string& text, const std::string& name = "t.csv") {
  std::istringstream in(text);
  return parse_result_table(in, name);
}

std::string refusal(const ResultTable& a, const ResultTable& b, const CompareOptions& o = {}) {
  try {
    require_comparable(compare_results(a, b, o), o, a.source, b.source);
  } catch (const NotComparableError& e) {
    return e.what();
  }
  return "";
}

const std::string kHeader = "Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical\n";

// The first example: two unrelated lists numbered 0, 1, 2 "correlated" because
// their rows were paired by Injection id.
TEST(ComparePairing, UnrelatedListsWithTheSameIdsShareNoFault) {
  const ResultTable a =
      parse(kHeader + "0,conv1,\"(3, 0, 2, 1)\",15,10,1,8,1\n1,conv1,\"(7, 0, 2, 0)\",5,10,0,9,1\n", "a.csv");
  const ResultTable b = parse(kHeader + "0,fc,\"(1, 2)\",30,10,0,1,9\n1,conv1,\"(7, 0, 2, 0)\",6,10,0,5,5\n", "b.csv");
  const CompareReport r = compare_results(a, b);
  EXPECT_EQ(r.pairing, Pairing::Site);
  EXPECT_EQ(r.matched, 0);
  EXPECT_EQ(r.only_a, 2);
  EXPECT_EQ(r.only_b, 2);
  const std::string none =
      "compare: A = a.csv and B = b.csv have no fault in common (paired by Layer, TensorIndex, Bit): 2 only in A "
      "(line 2: conv1 (3, 0, 2, 1) bit 15, line 3: conv1 (7, 0, 2, 0) bit 5), 2 only in B (line 2: fc (1, 2) bit 30, "
      "line 3: conv1 (7, 0, 2, 0) bit 6), 0 in both; nothing to compare";
  EXPECT_EQ(refusal(a, b), none);
  EXPECT_EQ(refusal(a, b, {.allow_partial = true}), none) << "no common fault: nothing lifts the refusal";
}

TEST(ComparePairing, SitesPairAcrossDifferentInjectionIdsAndSpacing) {
  const ResultTable a = parse(kHeader + "0,conv1,\"(3, 0, 2, 1)\",15,10,1,8,1\n1,conv1,\"(7, 0, 2, 0)\",5,10,0,9,1\n");
  const ResultTable b = parse(kHeader + "7,conv1,\"(7,0,2,0)\",5,10,0,7,3\n9,conv1,\"(3, 0, 2, 1)\",15,10,1,8,1\n");
  const CompareReport r = compare_results(a, b);
  EXPECT_EQ(r.matched, 2);
  EXPECT_EQ(r.only_a + r.only_b, 0);
  EXPECT_EQ(r.b.critical, 4);
  ASSERT_EQ(r.worst.size(), 1u);
  EXPECT_EQ(r.worst[0].a->injection, 1);
  EXPECT_EQ(r.worst[0].b->injection, 7);
  EXPECT_EQ(refusal(a, b), "");
  // A fault model is part of the site: stuck-at-1 on the same bit is another fault.
  const ResultTable c = parse(
      "Injection,Layer,TensorIndex,Bit,FaultModel,masked,non_critical,critical\n"
      "0,conv1,\"(3, 0, 2, 1)\",15,stuck-at-1,1,8,1\n1,conv1,\"(7, 0, 2, 0)\",5,bitflip,0,9,1\n");
  const CompareReport rc = compare_results(a, c);
  EXPECT_EQ(rc.matched, 1);
  ASSERT_EQ(rc.only_b_first.size(), 1u);
  EXPECT_EQ(describe_site(*rc.only_b_first[0]), "conv1 (3, 0, 2, 1) bit 15, stuck-at-1");
}

TEST(ComparePairing, ByInjectionIdOnlyWhenASideHasNoSitesAndTheReportSaysSo) {
  const ResultTable a = parse(kHeader + "0,conv1,\"(3, 0, 2, 1)\",15,10,1,8,1\n");
  const ResultTable b = parse("Injection,masked,non_critical,critical\n0,1,9,0\n");
  const CompareReport r = compare_results(a, b);
  EXPECT_EQ(r.pairing, Pairing::Injection);
  EXPECT_EQ(r.matched, 1);
  const std::string text = format_compare_report(r, "a.csv", "b.csv");
  EXPECT_NE(text.find("faults matched by Injection (B has no Layer, TensorIndex, Bit columns): 1 (only in A: 0, "
                      "only in B: 0)\nimages per fault: A 10, B 10\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(compare_results(b, a).pairing_note, "A has no Layer, TensorIndex, Bit columns");
  EXPECT_EQ(compare_results(b, b).pairing_note, "neither file has Layer, TensorIndex, Bit columns");
}

TEST(ComparePairing, DifferentFaultSetsAreRefusedUnlessPartialIsAllowed) {
  const ResultTable a = parse(kHeader +
                                  "0,conv1,\"(3, 0, 2, 1)\",15,10,1,8,1\n1,conv1,\"(7, 0, 2, 0)\",5,10,0,9,1\n"
                                  "2,fc,\"(0, 1)\",31,10,0,0,10\n",
                              "a.csv");
  const ResultTable b = parse(kHeader + "0,conv1,\"(3, 0, 2, 1)\",15,10,1,8,1\n", "b.csv");
  EXPECT_EQ(refusal(a, b),
            "compare: A = a.csv and B = b.csv are not comparable as they are:\n"
            "  - the fault sets differ (paired by Layer, TensorIndex, Bit): 2 only in A (line 3: conv1 (7, 0, 2, 0) "
            "bit 5, line 4: fc (0, 1) bit 31), 0 only in B, 1 in both; --allow-partial compares the 1 common faults");
  const CompareOptions partial{.allow_partial = true};
  EXPECT_EQ(refusal(a, b, partial), "");
  const CompareReport r = compare_results(a, b, CompareOptions{.examples = 1});
  ASSERT_EQ(r.only_a_first.size(), 1u);
  EXPECT_EQ(compare_warnings(r),
            std::vector<std::string>{"comparing only the 1 faults in both files (paired by Layer, TensorIndex, Bit): "
                                     "2 only in A (line 3: conv1 (7, 0, 2, 0) bit 5, ...), 0 only in B, 1 in both"});
  EXPECT_TRUE(compare_warnings(compare_results(b, b)).empty());
}

// The second example: a 200-image run against the published 10,000-image counts.
TEST(ComparePairing, DifferentImageCountsAreRefusedUnlessComparedAsRates) {
  const ResultTable a = parse(kHeader +
                                  "0,conv1,\"(3, 0, 2, 1)\",15,200,0,190,10\n1,conv1,\"(7, 0, 2, 0)\",5,200,0,"
                                  "100,100\n2,fc,\"(0, 1)\",31,200,0,200,0\n",
                              "small.csv");
  const ResultTable b = parse(kHeader +
                                  "0,conv1,\"(3, 0, 2, 1)\",15,10000,0,9500,500\n1,conv1,\"(7, 0, 2, 0)\",5,"
                                  "10000,0,4000,6000\n2,fc,\"(0, 1)\",31,10000,0,10000,0\n",
                              "big.csv");
  EXPECT_EQ(refusal(a, b),
            "compare: A = small.csv and B = big.csv are not comparable as they are:\n"
            "  - the image counts differ: n_injections is 200 in A, 10000 in B (on 3 of the 3 common faults): counts "
            "over different images do not compare; --rates compares rates (count / n_injections)");
  const CompareOptions rates{.rates = true};
  EXPECT_EQ(refusal(a, b, rates), "");
  const CompareReport r = compare_results(a, b, rates);
  ASSERT_TRUE(r.correlation);
  // Rates 0.05, 0.5, 0 against 0.05, 0.6, 0.
  EXPECT_NEAR(r.mean_abs_diff, 0.1 / 3, 1e-12);
  EXPECT_NEAR(r.max_abs_diff, 0.1, 1e-12);
  ASSERT_EQ(r.worst.size(), 1u);
  EXPECT_EQ(r.worst[0].a->injection, 1);
  const std::string text = format_compare_report(r, "small.csv", "big.csv");
  EXPECT_NE(text.find("images per fault: A 200, B 10000\ncompared as rates"), std::string::npos) << text;
  EXPECT_NE(text.find("critical mean absolute difference: 3.333333 % of the images (max 10.0000 %)"), std::string::npos)
      << text;
  // Both problems at once, and mixed image counts shown as a range.
  const ResultTable c = parse(kHeader +
                                  "0,conv1,\"(3, 0, 2, 1)\",15,100,0,90,10\n1,conv1,\"(7, 0, 2, 0)\",5,200,0,"
                                  "100,100\n",
                              "c.csv");
  EXPECT_EQ(refusal(c, b),
            "compare: A = c.csv and B = big.csv are not comparable as they are:\n"
            "  - the fault sets differ (paired by Layer, TensorIndex, Bit): 0 only in A, 1 only in B (line 4: fc (0, "
            "1) bit 31), 2 in both; --allow-partial compares the 2 common faults\n"
            "  - the image counts differ: n_injections is 100..200 in A, 10000 in B (on 2 of the 2 common faults): "
            "counts over different images do not compare; --rates compares rates (count / n_injections)");
  // A fault run on no image has no rate.
  const ResultTable zero = parse(kHeader + "0,conv1,\"(3, 0, 2, 1)\",15,0,0,0,0\n", "zero.csv");
  EXPECT_NO_THROW(compare_results(zero, zero));
  try {
    compare_results(zero, zero, rates);
    ADD_FAILURE() << "rate of a fault without images";
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(), "zero.csv:2: n_injections is 0: the fault has no rate to compare");
  }
}

TEST(ComparePairing, ASiteListedTwiceInOneFileIsAnError) {
  try {
    parse(kHeader +
              "0,conv1,\"(3, 0, 2, 1)\",15,10,1,8,1\n1,conv1,\"(7, 0, 2, 0)\",5,10,0,9,1\n"
              "2,conv1,\"(3,0,2,1)\",15,10,1,8,1\n",
          "d.csv");
    ADD_FAILURE() << "duplicate site accepted";
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(), "d.csv:4: fault conv1 (3,0,2,1) bit 15 already on line 2");
  }
  // Another fault model on the same bit is another fault; without sites there is nothing to repeat.
  EXPECT_EQ(parse("Injection,Layer,TensorIndex,Bit,FaultModel,masked,non_critical,critical\n"
                  "0,conv1,\"(3, 0, 2, 1)\",15,bitflip,1,8,1\n1,conv1,\"(3, 0, 2, 1)\",15,stuck-at-0,1,8,1\n")
                .rows.size(),
            2u);
  EXPECT_THROW(parse("Injection,Layer,TensorIndex,Bit,FaultModel,masked,non_critical,critical\n"
                     "0,conv1,\"(3, 0, 2, 1)\",15,stuck-at-2,1,8,1\n"),
               FormatError);
  EXPECT_THROW(parse(kHeader + "0,conv1,\"(3, 0, 2, 1)\",32,10,1,8,1\n"), FormatError);
}

// Our own RESULTS.csv (due and top1_correct on top) against the published layout.
TEST(ComparePairing, OwnResultsAgainstPublishedLayout) {
  const ResultTable ours = parse(
      "Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical,due,top1_correct\n"
      "0,conv1,\"(3, 0, 2, 1)\",15,10,2,7,1,0,8\n1,conv1,\"(7, 0, 2, 0)\",5,10,0,9,1,1,8\n");
  const ResultTable pub =
      parse(kHeader + "4,conv1,\"(7, 0, 2, 0)\",5,10,0,9,1\n3,conv1,\"(3, 0, 2, 1)\",15,10,1,8,1\n");
  const CompareReport r = compare_results(ours, pub);
  EXPECT_EQ(r.matched, 2);
  EXPECT_EQ(r.a.masked, 2);
  EXPECT_EQ(r.b.masked, 1);
  EXPECT_EQ(r.max_abs_diff, 0);
}

TEST(ComparePairing, PublishedSampleAgainstOracleNeedsNoOption) {
  FAULTBENCH_REQUIRE_DATA(data);
  const ResultTable pub = read_result_table(data / "faultlists/torch/CIFAR10/ResNet20_FL.csv");
  const ResultTable oracle = read_result_table(data / "oracle/pytorch_fp32_ResNet20_sample500.csv");
  // The whole published list holds 16,627 faults, the oracle 500 of them.
  EXPECT_NE(refusal(pub, oracle).find("16127 only in A"), std::string::npos);
  EXPECT_EQ(refusal(pub, oracle, {.allow_partial = true}), "");
  const CompareReport r = compare_results(oracle, pub);
  EXPECT_EQ(r.pairing, Pairing::Injection);
  EXPECT_EQ(r.image_mismatches, 0);
  EXPECT_EQ(r.images_a.min, 10000);
  EXPECT_EQ(r.images_a.max, 10000);
}

}  // namespace
}  // namespace faultbench
