// Multi-bit and multi-site fault lists (issue 17): grouping by Injection id, validation,
// the sampler (shape of the faults and chi-square uniformity with a fixed seed), sidecar.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "faultbench/error.h"
#include "faultbench/faults/fault_group.h"
#include "faultbench/faults/fault_list_csv.h"
#include "faultbench/faults/keras.h"
#include "faultbench/faults/list_sidecar.h"
#include "faultbench/faults/sampling.h"
#include "faultbench/faults/validate.h"

namespace faultbench {
namespace {

const std::vector<WeightSite> kSites = {
    {"conv1", {16, 3, 3, 3}}, {"layer1.0.conv1", {16, 16, 3, 3}}, {"linear", {10, 64}}};
const std::string kHeader = "Injection,Layer,TensorIndex,Bit\n";

FaultList parse(const std::string& rows) {
  std::istringstream in(kHeader + rows);
  return parse_fault_list(in, "m.csv");
}

std::string validation_error(const std::string& rows) {
  try {
    validate_fault_list(parse(rows), kSites);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

TEST(FaultGroups, ConsecutiveRowsOfOneIdAreOneFault) {
  const FaultList list = parse(
      "3,conv1,\"(0, 0, 0, 0)\",1\n3,conv1,\"(0, 0, 0, 0)\",2\n4,linear,\"(1, 2)\",5\n"
      "9,linear,\"(1, 2)\",6\n9,conv1,\"(1, 0, 0, 0)\",6\n9,layer1.0.conv1,\"(1, 0, 0, 0)\",6\n");
  EXPECT_EQ(validation_error(format_fault_list(list).substr(kHeader.size())), "");
  const std::vector<FaultGroup> g = fault_groups(list);
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[0].injection, 3);
  EXPECT_EQ(g[0].count, 2u);
  EXPECT_EQ(g[1].first, 2u);
  EXPECT_EQ(g[1].count, 1u);
  EXPECT_EQ(g[2].count, 3u);
  EXPECT_TRUE(has_multi_site(g));
  EXPECT_FALSE(has_multi_site(fault_groups(parse("0,conv1,\"(0, 0, 0, 0)\",1\n1,conv1,\"(0, 0, 0, 0)\",2\n"))));
}

TEST(FaultGroups, ValidationRules) {
  // One site twice in a fault, whatever the fault model.
  EXPECT_EQ(validation_error("0,linear,\"(1, 2)\",5\n0,linear,\"(1, 2)\",5\n"),
            "m.csv:3: fault 0 lists layer 'linear' index (1, 2) bit 5 twice (already at m.csv:2)");
  // The same set of sites, in another order, as an earlier fault.
  EXPECT_EQ(validation_error("0,linear,\"(1, 2)\",5\n0,conv1,\"(0, 0, 0, 0)\",1\n"
                             "1,conv1,\"(0, 0, 0, 0)\",1\n1,linear,\"(1, 2)\",5\n"),
            "m.csv:4: duplicate fault: fault 1 has the sites of fault 0 at m.csv:2");
  // A subset is another fault; so is a single site that is also part of a multi-site fault.
  EXPECT_EQ(validation_error("0,linear,\"(1, 2)\",5\n0,conv1,\"(0, 0, 0, 0)\",1\n1,linear,\"(1, 2)\",5\n"), "");
  std::string many;
  for (int i = 0; i < int(kMaxSitesPerFault) + 1; ++i)
    many += "0,linear,\"(" + std::to_string(i % 10) + ", " + std::to_string(i / 10) + ")\",1\n";
  EXPECT_EQ(validation_error(many), "m.csv:66: fault 0 has more than 64 sites");
}

TEST(FaultGroups, SameLayerRule) {
  const FaultList list = parse(
      "0,conv1,\"(0, 0, 0, 0)\",1\n0,conv1,\"(1, 0, 0, 0)\",1\n"
      "1,linear,\"(1, 2)\",5\n1,conv1,\"(0, 0, 0, 0)\",1\n");
  try {
    check_same_layer(list, fault_groups(list));
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(),
                 "m.csv:5: fault 1 has sites in layers 'linear' and 'conv1', but its sidecar records --same-layer "
                 "(every site of a fault in one layer)");
  }
}

TEST(FaultGroups, AMultiSiteResultFileIsNoList) {
  std::istringstream in(
      "Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical,due,top1_correct,sites\n"
      "0,linear,\"(1, 2)\",5,10,10,0,0,0,8,1\n1,linear,\"(1, 3)\",5,10,10,0,0,0,8,2\n");
  try {
    parse_fault_list(in, "R.csv");
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(),
                 "R.csv:3: a result row of a fault of 2 sites names only its first site: use the fault list the "
                 "campaign ran");
  }
}

SamplingParams multi(int bits, bool adjacent, int sites, bool same_layer, int64_t count) {
  SamplingParams p;
  p.seed = 7;
  p.count = count;
  p.bits_per_fault = bits;
  p.adjacent = adjacent;
  p.sites_per_fault = sites;
  p.same_layer = same_layer;
  return p;
}

TEST(MultiSiteSampling, ShapesOfTheFaults) {
  for (bool adjacent : {false, true}) {
    SamplePlan plan;
    const FaultList list = generate_fault_list(kSites, multi(3, adjacent, 1, false, 50), &plan);
    EXPECT_NO_THROW(validate_fault_list(list, kSites));
    const std::vector<FaultGroup> groups = fault_groups(list);
    ASSERT_EQ(groups.size(), 50u);
    for (const FaultGroup& g : groups) {
      ASSERT_EQ(g.count, 3u);
      for (size_t i = g.first + 1; i < g.first + 3; ++i) {
        EXPECT_EQ(list.faults[i].site.layer, list.faults[g.first].site.layer);
        EXPECT_EQ(list.faults[i].site.index, list.faults[g.first].site.index);
        EXPECT_GT(list.faults[i].site.bit, list.faults[i - 1].site.bit);
        if (adjacent) EXPECT_EQ(list.faults[i].site.bit, list.faults[i - 1].site.bit + 1);
      }
    }
    // Population: W * C(32, 3) (adjacent: W * 30) bit sets, both polarities.
    EXPECT_EQ(plan.population, 3376 * (adjacent ? 30 : 4960) * 2);
  }
  SamplePlan plan;
  const FaultList same = generate_fault_list(kSites, multi(1, false, 4, true, 40), &plan);
  EXPECT_NO_THROW(validate_fault_list(same, kSites));
  EXPECT_NO_THROW(check_same_layer(same, fault_groups(same)));
  EXPECT_EQ(fault_groups(same).size(), 40u);
  // Leveugle over C(32 W_l, 4) summed: saturated, so n is the limit t^2 p (1-p) / e^2.
  SamplingParams leveugle = multi(1, false, 2, false, 0);
  leveugle.count.reset();
  EXPECT_EQ(plan_sample(kSites, leveugle).population, (108032LL * 108031 / 2) * 2);
  EXPECT_EQ(plan_sample(kSites, leveugle).sample_size, 16641);
  // The same seed draws the same list.
  EXPECT_EQ(format_fault_list(generate_fault_list(kSites, multi(1, false, 4, true, 40))), format_fault_list(same));
}

TEST(MultiSiteSampling, RefusesContradictoryOptions) {
  EXPECT_THROW(plan_sample(kSites, multi(2, false, 2, false, 5)), UsageError);
  EXPECT_THROW(plan_sample(kSites, multi(1, true, 1, false, 5)), UsageError);
  EXPECT_THROW(plan_sample(kSites, multi(1, false, 1, true, 5)), UsageError);
  EXPECT_THROW(plan_sample(kSites, multi(33, false, 1, false, 5)), UsageError);
  SamplingParams layer = multi(1, false, 2, false, 5);
  layer.scope = SamplingScope::Layer;
  EXPECT_THROW(plan_sample(kSites, layer), UsageError);
}

// Pearson's chi-square statistic of observed counts against expected ones.
double chi_square(const std::vector<double>& observed, const std::vector<double>& expected) {
  double x = 0;
  for (size_t i = 0; i < observed.size(); ++i)
    x += (observed[i] - expected[i]) * (observed[i] - expected[i]) / expected[i];
  return x;
}

// Upper 0.1 % points of the chi-square distribution (df 2, 7, 8, 15, 29, 31): a uniform draw
// passes with probability 0.999; the seed is fixed, so the test is deterministic.
const std::map<size_t, double> kChi2Critical = {{3, 13.816},  {8, 24.322},  {9, 26.124},
                                                {16, 37.697}, {30, 58.301}, {32, 61.098}};

TEST(MultiSiteSampling, BitsLayersAndPositionsAreUniform) {
  const FaultList list = generate_fault_list(kSites, multi(1, false, 3, false, 6000));
  const std::vector<FaultGroup> groups = fault_groups(list);
  ASSERT_EQ(groups.size(), 6000u);
  std::vector<double> bits(32, 0), layers(3, 0), conv_out(16, 0), linear_in(64, 0);
  std::map<std::string, size_t> layer_no = {{"conv1", 0}, {"layer1.0.conv1", 1}, {"linear", 2}};
  for (const FaultGroup& g : groups)
    for (size_t i = g.first; i < g.first + g.count; ++i) {
      const FaultSite& s = list.faults[i].site;
      bits[size_t(s.bit)] += 1;
      if (s.layer == "layer1.0.conv1") conv_out[size_t(s.index[0])] += 1;
      if (s.layer == "linear") linear_in[size_t(s.index[1])] += 1;
      if (i > g.first) layers[layer_no.at(s.layer)] += 1;  // the first site follows the allocation
    }
  const double sites = 6000.0 * 3;
  EXPECT_LT(chi_square(bits, std::vector<double>(32, sites / 32)), kChi2Critical.at(32));
  // Sites after the first: layer l with probability W_l / W.
  const double others = 6000.0 * 2, w = 3376;
  EXPECT_LT(chi_square(layers, {others * 432 / w, others * 2304 / w, others * 640 / w}), kChi2Critical.at(3));
  double conv_total = 0, linear_total = 0;
  for (double c : conv_out) conv_total += c;
  for (double c : linear_in) linear_total += c;
  EXPECT_LT(chi_square(conv_out, std::vector<double>(16, conv_total / 16)), kChi2Critical.at(16));
  EXPECT_LT(chi_square(linear_in, std::vector<double>(64, linear_total / 64)), 99.607);  // df 63

  // Multi-bit: the bits of a fault are uniform, and adjacent runs start uniformly.
  const FaultList k2 = generate_fault_list(kSites, multi(2, false, 1, false, 4000));
  std::vector<double> kbits(32, 0);
  for (const Fault& f : k2.faults) kbits[size_t(f.site.bit)] += 1;
  EXPECT_LT(chi_square(kbits, std::vector<double>(32, 8000.0 / 32)), kChi2Critical.at(32));
  const FaultList adj = generate_fault_list(kSites, multi(3, true, 1, false, 3000));
  std::vector<double> starts(30, 0);
  for (const FaultGroup& g : fault_groups(adj)) starts[size_t(adj.faults[g.first].site.bit)] += 1;
  EXPECT_LT(chi_square(starts, std::vector<double>(30, 3000.0 / 30)), kChi2Critical.at(30));
}

// Every dimension of a weight's index, for multi-bit faults (the one weight of a fault) and
// for --same-layer multi-site faults (every site): uniform in layer1.0.conv1 [16, 16, 3, 3]
// (output channel, input channel, kernel position); the bits of the same-layer sites too.
TEST(MultiSiteSampling, MultiBitAndSameLayerPositionsAreUniform) {
  auto positions = [](const FaultList& list, bool first_only, std::vector<double>& out_c, std::vector<double>& in_c,
                      std::vector<double>& kernel, std::vector<double>& bits) {
    for (const FaultGroup& g : fault_groups(list))
      for (size_t i = g.first; i < g.first + (first_only ? 1 : g.count); ++i) {
        const FaultSite& s = list.faults[i].site;
        bits[size_t(s.bit)] += 1;
        if (s.layer != "layer1.0.conv1") continue;
        out_c[size_t(s.index[0])] += 1;
        in_c[size_t(s.index[1])] += 1;
        kernel[size_t(s.index[2] * 3 + s.index[3])] += 1;
      }
  };
  auto uniform = [](const std::vector<double>& counts) {
    double total = 0;
    for (double c : counts) total += c;
    return std::vector<double>(counts.size(), total / double(counts.size()));
  };
  for (const SamplingParams& p : {multi(2, false, 1, false, 4000), multi(1, false, 4, true, 3000)}) {
    const FaultList list = generate_fault_list(kSites, p);
    std::vector<double> out_c(16, 0), in_c(16, 0), kernel(9, 0), bits(32, 0);
    positions(list, p.bits_per_fault > 1, out_c, in_c, kernel, bits);
    const std::string what = p.bits_per_fault > 1 ? "2-bit" : "4-site same-layer";
    EXPECT_GT(out_c[0] + out_c[1], 0) << what;
    EXPECT_LT(chi_square(out_c, uniform(out_c)), kChi2Critical.at(16)) << what;
    EXPECT_LT(chi_square(in_c, uniform(in_c)), kChi2Critical.at(16)) << what;
    EXPECT_LT(chi_square(kernel, uniform(kernel)), kChi2Critical.at(9)) << what;
    if (p.bits_per_fault == 1) EXPECT_LT(chi_square(bits, uniform(bits)), kChi2Critical.at(32)) << what;
  }
}

// The Keras conversion is per row: a multi-site list keeps its faults (ids, rows, order).
TEST(MultiSiteSampling, KerasConversionKeepsTheFaults) {
  const FaultList list = generate_fault_list(kSites, multi(1, false, 3, false, 20));
  const FaultList keras = to_keras(list, kSites);
  EXPECT_NO_THROW(validate_fault_list(keras, keras_sites(kSites)));
  ASSERT_EQ(fault_groups(keras).size(), 20u);
  EXPECT_EQ(format_fault_list(to_torch(keras, kSites)), format_fault_list(list));
}

TEST(MultiSiteSampling, SidecarRecordsTheShape) {
  FaultListSidecar s;
  s.model = "resnet20";
  s.dataset = "cifar10";
  s.convention = "torch";
  s.fault_model = "bitflip";
  s.params = multi(1, false, 2, true, 10);
  s.faults = 10;
  s.rows = 20;
  s.list_sha256 = "ab";
  const std::string json = fault_list_sidecar_json(s);
  EXPECT_NE(json.find("\"same_layer\": true"), std::string::npos);
  // A single-site list's sidecar has no fault_shape (as before issue 17).
  s.params = SamplingParams{};
  EXPECT_EQ(fault_list_sidecar_json(s).find("fault_shape"), std::string::npos);
}

}  // namespace
}  // namespace faultbench
