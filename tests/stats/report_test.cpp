// The groups, rates and figures of `faultbench report` on small hand-made tables.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "faultbench/campaign/report.h"
#include "faultbench/error.h"
#include "test_support.h"

namespace faultbench {
namespace {

ResultTable table(const std::string& csv) {
  std::istringstream in(csv);
  return parse_result_table(in, "t.csv");
}

const std::string kCsv =
    "Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical,due,top1_correct\n"
    "0,conv1,\"(3, 0, 2, 1)\",31,10,10,0,0,0,8\n"  // masked everywhere
    "1,conv1,\"(1, 0, 0, 0)\",30,10,0,2,8,10,0\n"  // DUE (and critical)
    "2,fc,\"(3, 7)\",30,10,1,8,1,0,7\n"            // critical once
    "3,fc,\"(2, 2)\",3,10,4,6,0,0,8\n";            // non-critical

const GroupStats& find(const std::vector<GroupStats>& g, const std::string& grouping, const std::string& group) {
  for (const GroupStats& s : g)
    if (s.grouping == grouping && s.group == group) return s;
  throw std::runtime_error("no group " + grouping + " " + group);
}

TEST(Report, GroupsCountInjectionsAndWorstClasses) {
  const ResultTable t = table(kCsv);
  ASSERT_TRUE(t.has_due);
  EXPECT_EQ(t.rows[1].due, 10);
  const std::vector<GroupStats> g = group_stats(t, Populations{}, true);
  const GroupStats& all = find(g, "model", "all");
  EXPECT_EQ(all.faults, 4);
  EXPECT_EQ(all.fault_images, 40);
  EXPECT_EQ(all.images.critical, 9);
  EXPECT_EQ(all.images.due, 10);
  EXPECT_EQ(all.worst.due, 1);
  EXPECT_EQ(all.worst.critical, 1);
  EXPECT_EQ(all.worst.non_critical, 1);
  EXPECT_EQ(all.worst.masked, 1);
  EXPECT_EQ(all.critical_any, 2);
  EXPECT_FALSE(all.population);  // no model: no Leveugle margin
  EXPECT_EQ(find(g, "layer_type", "conv").faults, 2);
  EXPECT_EQ(find(g, "layer_type", "linear").faults, 2);
  EXPECT_EQ(find(g, "bit_field", "sign").faults, 1);
  EXPECT_EQ(find(g, "bit_field", "exponent").faults, 2);
  EXPECT_EQ(find(g, "bit_field", "mantissa").faults, 1);
  EXPECT_EQ(find(g, "bit", "30").images.critical, 9);
  // Rates: image level over injections, intervals over the faults.
  const double z = stats::z_for_confidence(0.95);
  const Rate r = group_rate(all, RateLevel::Image, 2, z);
  EXPECT_DOUBLE_EQ(r.rate, 9.0 / 40);
  EXPECT_DOUBLE_EQ(r.wilson.low, stats::wilson_interval(9.0 / 40 * 4, 4, z).low);
  EXPECT_DOUBLE_EQ(group_rate(all, RateLevel::Fault, 3, z).rate, 0.25);
  // Histogram of critical counts: 0 (two faults), 1, 8-15.
  EXPECT_EQ(critical_histogram(t), (std::vector<int64_t>{2, 1, 0, 0, 1}));
}

TEST(Report, PopulationsComeFromTheZoo) {
  const Populations p = zoo_populations("resnet20", "cifar10");
  EXPECT_EQ(p.weights * 64, 17173504);  // the published list's N (its sampling sidecar)
  EXPECT_EQ(p.layer_weights.at("conv1"), 432);
  const std::vector<GroupStats> g = group_stats(table(kCsv), p, true);
  EXPECT_EQ(*find(g, "model", "all").population, 17173504.0);
  EXPECT_EQ(*find(g, "layer", "conv1").population, 432.0 * 64);
  EXPECT_FALSE(find(g, "layer", "fc").population);  // not a ResNet20 layer
  EXPECT_EQ(*find(g, "bit", "3").population, double(p.weights) * 2);
  EXPECT_EQ(*find(g, "bit_field", "exponent").population, double(p.weights) * 16);
  EXPECT_THROW(zoo_populations("resnet21", "cifar10"), UsageError);
}

// A bf16 or int8 campaign flips 16 or 8 bits of a weight: the populations count W x 16 x 2
// (or x 8 x 2) and the bit fields are the format's (bf16: sign 15, exponent 14..7).
TEST(Report, PopulationsAndBitFieldsFollowTheNumerics) {
  const std::string csv =
      "Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical\n"
      "0,conv1,\"(3, 0, 2, 1)\",15,10,10,0,0\n"
      "1,conv1,\"(1, 0, 0, 0)\",14,10,0,2,8\n"
      "2,conv1,\"(3, 0, 1, 1)\",7,10,10,0,0\n"
      "3,conv1,\"(2, 0, 1, 1)\",6,10,10,0,0\n";
  const Populations bf16 = zoo_populations("resnet20", "cifar10", Numerics::Bf16);
  std::vector<GroupStats> g = group_stats(table(csv), bf16, false);
  EXPECT_EQ(*find(g, "model", "all").population, double(bf16.weights) * 16 * 2);
  EXPECT_EQ(*find(g, "layer", "conv1").population, 432.0 * 16 * 2);
  EXPECT_EQ(find(g, "bit_field", "sign").faults, 1);
  EXPECT_EQ(find(g, "bit_field", "exponent").faults, 2);  // bits 14 and 7
  EXPECT_EQ(*find(g, "bit_field", "exponent").population, double(bf16.weights) * 8 * 2);
  EXPECT_EQ(*find(g, "bit_field", "mantissa").population, double(bf16.weights) * 7 * 2);

  const Populations int8 = zoo_populations("resnet20", "cifar10", Numerics::Int8);
  g = group_stats(table(csv), int8, false);
  EXPECT_EQ(*find(g, "layer", "conv1").population, 432.0 * 8 * 2);
  EXPECT_EQ(find(g, "bit_field", "sign").faults, 1);   // bit 7
  EXPECT_EQ(find(g, "bit_field", "value").faults, 1);  // bit 6
  EXPECT_EQ(*find(g, "bit_field", "value").population, double(int8.weights) * 7 * 2);
  EXPECT_EQ(find(g, "bit_field", "unknown").faults, 2);  // bits 15 and 14 are no int8 bits
  EXPECT_FALSE(find(g, "bit_field", "unknown").population);
}

// Multi-bit and multi-site faults (a `sites` column) are not W x B x 2 single bits: only the
// model group has a population, the sampler's N from the sidecar; activation lists count
// output values.
TEST(Report, MultiSiteAndActivationPopulations) {
  const std::string csv =
      "Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical,due,top1_correct,sites\n"
      "0,conv1,\"(3, 0, 2, 1)\",30,10,10,0,0,0,8,2\n";
  const ResultTable t = table(csv);
  ASSERT_TRUE(t.has_site_counts);
  Populations p = zoo_populations("resnet20", "cifar10");
  p.single_bit = false;
  std::vector<GroupStats> g = group_stats(t, p, true);
  EXPECT_FALSE(find(g, "model", "all").population);
  EXPECT_FALSE(find(g, "layer", "conv1").population);
  EXPECT_FALSE(find(g, "bit", "30").population);
  p.sampled = 1.5e20;
  g = group_stats(t, p, true);
  EXPECT_EQ(*find(g, "model", "all").population, 1.5e20);
  EXPECT_FALSE(table(kCsv).has_site_counts);

  const Populations a = zoo_populations("resnet20", "cifar10", Numerics::Fp32, "activations");
  EXPECT_EQ(a.layer_weights.at("conv1"), 16 * 32 * 32);  // conv1's output of one image
  EXPECT_EQ(a.layer_weights.count("layer1.0.conv1.weight"), 0u);
}

TEST(Report, WritesEveryFileAndFigureWithItsMarks) {
  const auto dir = testing::make_temp_dir("report");
  std::ofstream(dir / "a.csv") << kCsv;
  ReportOptions o;
  o.out_dir = dir / "out";
  const std::vector<ReportSource> s = read_report_sources({dir / "a.csv", dir / "a.csv"}, o);
  EXPECT_EQ(s[0].metadata, "none");
  EXPECT_EQ(s[0].numerics, "");  // nothing says what the numerics were
  EXPECT_EQ(s[0].images, 10);
  // A file without a sidecar takes the options' model, dataset and numerics.
  ReportOptions given = o;
  given.model = "resnet20";
  given.dataset = "cifar10";
  given.numerics = "tf32-published";
  const std::vector<ReportSource> g = read_report_sources({dir / "a.csv"}, given);
  EXPECT_EQ(g[0].metadata, "options");
  EXPECT_EQ(g[0].model, "resnet20");
  EXPECT_EQ(g[0].numerics, "tf32-published");
  EXPECT_NE(s[0].label, s[1].label);  // the same file twice is told apart
  const auto written = write_report(s, o);
  EXPECT_EQ(written.size(), 4u + 6u);  // 3 tables, the page; files, layer, bit, 2 class shares, histogram
  std::ifstream in(o.out_dir / "fig_bit_critical.svg");
  const std::string svg((std::istreambuf_iterator<char>(in)), {});
  size_t marks = 0;
  for (size_t at = svg.find("class=\"mark"); at != std::string::npos; at = svg.find("class=\"mark", at + 1)) ++marks;
  EXPECT_EQ(marks, 64u);  // 32 bits x 2 files
  // An output over an input is refused before anything is written.
  std::filesystem::create_directories(dir / "out2");
  std::ofstream(dir / "out2" / "rates.csv") << kCsv;
  ReportOptions over;
  over.out_dir = dir / "out2";
  EXPECT_THROW(write_report(read_report_sources({dir / "out2" / "rates.csv"}, over), over), UsageError);
  EXPECT_FALSE(std::filesystem::exists(dir / "out2" / "summary.json"));
}

}  // namespace
}  // namespace faultbench
