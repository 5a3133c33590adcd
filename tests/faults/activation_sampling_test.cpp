// Activation fault lists (issue 17 item 2): drawn by the weight lists' procedure over the
// activation sites (the same seed semantics and Leveugle size over values x 32 x 2), and
// uniform over bits, layers and positions: chi-square tests with a fixed seed.
#include <gtest/gtest.h>

#include <map>

#include "faultbench/faults/activation_sites.h"
#include "faultbench/faults/sampling.h"
#include "faultbench/zoo/zoo.h"

namespace faultbench {
namespace {

double chi_square(const std::vector<double>& observed, const std::vector<double>& expected) {
  double x = 0;
  for (size_t i = 0; i < observed.size(); ++i)
    x += (observed[i] - expected[i]) * (observed[i] - expected[i]) / expected[i];
  return x;
}

TEST(ActivationSampling, LeveugleOverValuesAndUniformDraws) {
  const std::vector<WeightSite> sites = activation_sites(build_model("resnet20", "cifar10"));
  SamplePlan plan;
  const FaultList list = generate_fault_list(sites, SamplingParams{}, &plan);
  // N = values x 32 x 2 and Leveugle's n for it (about 16,600 for ResNet20's 190,000 values).
  EXPECT_EQ(plan.weights, total_values(sites));
  EXPECT_EQ(plan.population, total_values(sites) * 64);
  EXPECT_EQ(plan.sample_size, leveugle_sample_size(plan.population, 0.01, 2.58, 0.5));
  ASSERT_EQ(int64_t(list.size()), plan.total_faults());
  ASSERT_GT(list.size(), 10000u);

  // Bits: 32 equal bins (31 degrees of freedom; 61.1 is the 0.999 quantile).
  std::vector<double> bits(32, 0), bits_expected(32, double(list.size()) / 32);
  // Layers: in proportion to their values (19 dof; 43.8).
  std::map<std::string, size_t> layer_of;
  for (size_t i = 0; i < sites.size(); ++i) layer_of[sites[i].layer] = i;
  std::vector<double> layers(sites.size(), 0), layers_expected;
  for (const WeightSite& s : sites)
    layers_expected.push_back(double(list.size()) * double(numel(s.shape)) / double(total_values(sites)));
  // Positions: the flat index inside its layer in 64 equal bins (63 dof; 103.4).
  std::vector<double> pos(64, 0), pos_expected(64, double(list.size()) / 64);
  for (const Fault& f : list.faults) {
    bits[size_t(f.site.bit)] += 1;
    const size_t l = layer_of.at(f.site.layer);
    layers[l] += 1;
    pos[size_t(flat_index(sites[l].shape, f.site.index) * 64 / numel(sites[l].shape))] += 1;
  }
  EXPECT_LT(chi_square(bits, bits_expected), 61.1);
  EXPECT_LT(chi_square(layers, layers_expected), 43.8);
  EXPECT_LT(chi_square(pos, pos_expected), 103.4);
  // And the test can fail: all faults in the low half of the bits is far from uniform.
  std::vector<double> skewed(32, 0);
  for (int b = 0; b < 16; ++b) skewed[size_t(b)] = double(list.size()) / 16;
  EXPECT_GT(chi_square(skewed, bits_expected), 1000);
}

TEST(ActivationSampling, SameSeedSameList) {
  const std::vector<WeightSite> sites = activation_sites(build_model("resnet20", "cifar10"));
  SamplingParams p;
  p.count = 50;
  p.seed = 7;
  const FaultList a = generate_fault_list(sites, p), b = generate_fault_list(sites, p);
  EXPECT_EQ(a.faults, b.faults);
  p.seed = 8;
  EXPECT_NE(generate_fault_list(sites, p).faults, a.faults);
}

}  // namespace
}  // namespace faultbench
