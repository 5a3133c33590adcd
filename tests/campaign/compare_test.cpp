// Reading result tables and comparing them.
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

// masked + non_critical + critical must be n_injections when the table has that column.
TEST(Compare, CountsThatDoNotAddUpToNInjectionsAreRefused) {
  const std::string h = "Injection,n_injections,masked,non_critical,critical\n";
  EXPECT_EQ(parse(h + "0,10,1,8,1\n").rows.size(), 1u);
  for (const std::string& row : {"1,10,1,8,2\n", "1,10,1,8,0\n", "1,10,9223372036854775807,8,2\n"}) {
    try {
      parse(h + "0,10,1,8,1\n" + row);
      ADD_FAILURE() << row;
    } catch (const FormatError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("t.csv:3: masked + non_critical + critical = ", 0), 0u) << e.what();
      EXPECT_NE(std::string(e.what()).find(" but n_injections is 10"), std::string::npos) << e.what();
    }
  }
  // The shared reader: a BOM is skipped, a NUL byte is named.
  EXPECT_EQ(parse("\xEF\xBB\xBF" + h + "0,10,1,8,1\n").rows.size(), 1u);
  try {
    parse(h + std::string("0,10,1,8,1\0\n", 12));
    ADD_FAILURE() << "NUL accepted";
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("t.csv:2: NUL byte in CSV", 0), 0u) << e.what();
  }
}

TEST(Compare, ReadsReferenceAndOracleLayouts) {
  const ResultTable a = parse(
      "Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical\n"
      "0,conv1,\"(3, 0, 2, 1)\",15,10,1,8,1\n"
      "2,conv1,\"(13, 0, 0, 0)\",30,10,0,1,9\r\n");
  ASSERT_EQ(a.rows.size(), 2u);
  EXPECT_EQ(a.rows[0].tensor_index, "(3, 0, 2, 1)");
  EXPECT_EQ(a.rows[1].critical, 9);
  const ResultTable b = parse("Injection,masked,non_critical,critical\n2,0,2,8\n5,10,0,0\n0,1,9,0\n");
  const CompareReport r = compare_results(a, b);
  EXPECT_EQ(r.matched, 2);
  EXPECT_EQ(r.only_a, 0);
  EXPECT_EQ(r.only_b, 1);
  EXPECT_EQ(r.a.critical, 10);
  EXPECT_EQ(r.b.critical, 8);
  EXPECT_DOUBLE_EQ(r.mean_abs_diff, 1.0);
  ASSERT_TRUE(r.correlation);
  EXPECT_NEAR(*r.correlation, 1.0, 1e-12);  // two points are always perfectly correlated
  ASSERT_EQ(r.worst.size(), 2u);
  EXPECT_EQ(r.worst[0].a->injection, 0);  // |diff| 1 each: ties by Injection
  const std::string text = format_compare_report(r, "A", "B");
  EXPECT_NE(text.find("critical mean absolute difference: 1.0000"), std::string::npos) << text;
}

TEST(Compare, PearsonOnKnownValues) {
  const ResultTable a = parse("Injection,masked,non_critical,critical\n0,0,0,1\n1,0,0,2\n2,0,0,3\n3,0,0,4\n");
  const ResultTable b = parse("Injection,masked,non_critical,critical\n0,0,0,2\n1,0,0,1\n2,0,0,4\n3,0,0,3\n");
  const CompareReport r = compare_results(a, b);
  ASSERT_TRUE(r.correlation);
  EXPECT_NEAR(*r.correlation, 0.6, 1e-12);
  const CompareReport flat = compare_results(a, parse("Injection,masked,non_critical,critical\n0,0,0,5\n1,0,0,5\n"));
  EXPECT_FALSE(flat.correlation);
}

TEST(Compare, RejectsBrokenFiles) {
  EXPECT_THROW(parse(""), FormatError);
  EXPECT_THROW(parse("Injection,masked,critical\n"), FormatError);
  EXPECT_THROW(parse("Injection,masked,non_critical,critical\n1,2,3\n"), FormatError);
  EXPECT_THROW(parse("Injection,masked,non_critical,critical\n1,2,x,3\n"), FormatError);
  EXPECT_THROW(parse("Injection,masked,non_critical,critical\n1,2,3,4\n1,2,3,4\n"), FormatError);
  EXPECT_THROW(parse("Injection,Layer,masked,non_critical,critical\n1,\"conv1,2,3,4\n"), FormatError);
  try {
    parse("Injection,masked,non_critical,critical\n1,2,3,4\n\n7,-1,0,0\n", "x.csv");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("x.csv:4"), std::string::npos) << e.what();
  }
}

TEST(Compare, PublishedListAgainstOracle) {
  FAULTBENCH_REQUIRE_DATA(data);
  const ResultTable pub = read_result_table(data / "faultlists/torch/CIFAR10/ResNet20_FL.csv");
  const ResultTable oracle = read_result_table(data / "oracle/pytorch_fp32_ResNet20_sample500.csv");
  const CompareReport r = compare_results(pub, oracle);
  EXPECT_EQ(r.matched, 500);
  // The figures ../shared/data/README.md gives for this pair.
  ASSERT_TRUE(r.correlation);
  EXPECT_NEAR(*r.correlation, 0.99953, 0.00001);
  EXPECT_NEAR(r.mean_abs_diff, 4.80, 0.005);
}

}  // namespace
}  // namespace faultbench
