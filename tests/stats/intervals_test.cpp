// The intervals and Leveugle's formulas against values computed independently with SciPy
// (tools/stats_oracle.py prints the tables below), extreme counts, and the margins of the
// 15 published fault lists.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "faultbench/campaign/intervals.h"
#include "faultbench/error.h"
#include "faultbench/faults/sampling.h"
#include "faultbench/zoo/zoo.h"
#include "faults/fault_fixtures.h"
#include "test_support.h"

namespace faultbench::stats {
namespace {

TEST(Intervals, NormalQuantileMatchesScipy) {
  const std::pair<double, double> cases[] = {
      // tools/stats_oracle.py: {p, scipy.stats.norm.ppf(p)}
      {1e-12, -7.034483825301131},   {1e-06, -4.753424308822899},
      {0.001, -3.090232306167813},   {0.01, -2.3263478740408408},
      {0.02425, -1.972961051311885}, {0.05, -1.6448536269514729},
      {0.3, -0.5244005127080409},    {0.5, 0.0},
      {0.7, 0.5244005127080407},     {0.95, 1.6448536269514722},
      {0.975, 1.959963984540054},    {0.995, 2.5758293035489004},
      {0.999, 3.090232306167813},    {0.999999999, 5.997807019601637},
  };
  for (auto [p, x] : cases) EXPECT_NEAR(normal_quantile(p), x, 1e-13 * std::max(1.0, std::fabs(x))) << p;
}

TEST(Intervals, ConfidenceQuantilesMatchScipy) {
  const std::pair<double, double> cases[] = {
      {0.8, 1.2815515655446004},  {0.9, 1.6448536269514722},   {0.95, 1.959963984540054},
      {0.99, 2.5758293035489004}, {0.999, 3.2905267314919255},
  };
  for (auto [c, z] : cases) EXPECT_NEAR(z_for_confidence(c), z, 1e-13) << c;
}

TEST(Intervals, OutOfRangeProbabilitiesAreRefused) {
  for (double bad : {0.0, 1.0, -0.5, 1.5, std::nan("")}) {
    EXPECT_THROW(normal_quantile(bad), UsageError) << bad;
    EXPECT_THROW(z_for_confidence(bad), UsageError) << bad;
  }
}

TEST(Intervals, WilsonMatchesScipyIncludingExtremeCounts) {
  struct Case {
    double k, n, confidence, low, high;
  };
  const Case cases[] = {
      // {k, n, confidence, low, high}: binomtest(k, n).proportion_ci(c, method='wilson')
      {0, 1, 0.95, 0.0, 0.7934506856227626},
      {1, 1, 0.95, 0.20654931437723745, 1.0},
      {0, 10, 0.95, 0.0, 0.27753279986288926},
      {10, 10, 0.95, 0.7224672001371109, 1.0},
      {3, 10, 0.95, 0.10779126740630102, 0.6032218525388546},
      {1, 2, 0.99, 0.06171307677810184, 0.9382869232218982},
      {0, 16627, 0.99, 0.0, 0.00039888434742408664},
      {16627, 16627, 0.99, 0.9996011156525758, 1.0},
      {5838, 16627, 0.99, 0.34164179975925685, 0.3607082860291653},
      {1, 1000, 0.9, 0.00022312384391207085, 0.00446972290936893},
      {999, 1000, 0.999, 0.9873882793907752, 0.9999215580137805},
  };
  for (const Case& c : cases) {
    const Interval i = wilson_interval(c.k, c.n, z_for_confidence(c.confidence));
    EXPECT_NEAR(i.low, c.low, 1e-12) << c.k << " of " << c.n;
    EXPECT_NEAR(i.high, c.high, 1e-12) << c.k << " of " << c.n;
    EXPECT_DOUBLE_EQ(i.estimate, c.k / c.n);
  }
  // No data: the whole of [0, 1].
  const Interval none = wilson_interval(0, 0, 2.58);
  EXPECT_EQ(none.low, 0);
  EXPECT_EQ(none.high, 1);
}

TEST(Intervals, LeveugleSampleSizeAndMarginMatchTheFormulas) {
  struct SizeCase {
    double N, e, t, p, n;
  };
  const SizeCase sizes[] = {
      {1773568, 0.01, 2.58, 0.5, 16486.32175032175}, {718088448, 0.01, 2.58, 0.5, 16640.614393151325},
      {1000, 0.05, 1.96, 0.5, 277.74082535643015},   {100, 0.01, 2.58, 0.2, 99.07900465521284},
      {2, 0.01, 2.58, 0.5, 1.9998798221367626},
  };
  for (const SizeCase& c : sizes) EXPECT_NEAR(leveugle_sample_size(c.N, c.e, c.t, c.p), c.n, 1e-9 * c.n) << c.N;
  struct MarginCase {
    double n, N, t, p, e;
  };
  const MarginCase margins[] = {
      {16627, 1773568, 2.58, 0.5, 0.00995720734977485},
      {1000, 1000000.0, 1.96, 0.3, 0.028388907515613734},
      {1, 10, 2.58, 0.5, 1.29},
      {9, 10, 2.58, 0.5, 0.14333333333333334},
      {500, 16627, 2.5758293035489004, 0.35, 0.054113507262067935},
  };
  for (const MarginCase& c : margins) EXPECT_NEAR(leveugle_margin(c.n, c.N, c.t, c.p), c.e, 1e-14) << c.n;
  // Extremes: the whole population has no margin, an empty sample an infinite one.
  EXPECT_EQ(leveugle_margin(10, 10, 2.58, 0.5), 0);
  EXPECT_TRUE(std::isinf(leveugle_margin(0, 10, 2.58, 0.5)));
  // The margin is the sample size's inverse.
  for (double N : {100.0, 1e4, 1.7e6, 7e8})
    for (double e : {0.01, 0.05})
      EXPECT_NEAR(leveugle_margin(leveugle_sample_size(N, e, 2.58, 0.5), N, 2.58, 0.5), e, 1e-12 * e) << N;
}

TEST(Intervals, FinitePopulationCorrection) {
  EXPECT_EQ(fpc_effective_n(50, kUnknownPopulation), 50);
  EXPECT_DOUBLE_EQ(fpc_effective_n(50, 101), 50.0 * 100 / 51);  // n (N-1) / (N-n)
  EXPECT_TRUE(std::isinf(fpc_effective_n(101, 101)));
  // Every member seen: the rate is exact.
  const Interval all = wilson_fpc_interval(7, 20, 20, 2.58);
  EXPECT_DOUBLE_EQ(all.low, 0.35);
  EXPECT_DOUBLE_EQ(all.high, 0.35);
  // A sample of a small population is narrower than the same sample of an infinite one.
  EXPECT_LT(wilson_fpc_interval(7, 20, 40, 2.58).half_width(), wilson_interval(7, 20, 2.58).half_width());
  EXPECT_DOUBLE_EQ(wilson_fpc_interval(7, 20, kUnknownPopulation, 2.58).half_width(),
                   wilson_interval(7, 20, 2.58).half_width());
  // The observed-rate Leveugle interval: 0 of n collapses to a point (why Wilson is the
  // stopping rule), n of n too.
  EXPECT_EQ(leveugle_fpc_interval(0, 100, 1e6, 2.58).half_width(), 0);
  const Interval l = leveugle_fpc_interval(30, 100, 1e6, 2.58);
  EXPECT_NEAR(l.high - 0.3, 2.58 * std::sqrt(0.3 * 0.7 / 100 * (1e6 - 100) / (1e6 - 1)), 1e-15);
}

// The 15 published lists were drawn for e = 1 %, t = 2.58, p = 0.5 over N = W x 32 x 2
// (the zoo's weight counts); their sizes (the rows of the files, a few faults off n from
// the per-layer rounding) reach that margin to within 0.2 %.
TEST(Intervals, PublishedListsReachTheirOnePercentMargin) {
  FAULTBENCH_REQUIRE_DATA(data);
  for (const auto& pub : testing::published_lists()) {
    SCOPED_TRACE(pub.model + "/" + pub.dataset);
    const SamplePlan plan = plan_sample(fault_sites(build_model(pub.model, pub.dataset)), SamplingParams{});
    std::ifstream in(testing::torch_list_path(data, pub));
    ASSERT_TRUE(in);
    int64_t rows = -1;  // less the header
    for (std::string line; std::getline(in, line);) ++rows;
    EXPECT_EQ(rows, plan.total_faults());
    EXPECT_EQ(plan.population, plan.weights * 32 * 2);
    // Leveugle's n, unrounded, reaches e exactly; the rounded n and the list's size nearly.
    const double n = leveugle_sample_size(double(plan.population), 0.01, 2.58, 0.5);
    EXPECT_NEAR(leveugle_margin(n, double(plan.population), 2.58, 0.5), 0.01, 1e-14);
    EXPECT_NEAR(n, double(plan.sample_size), 0.5);
    const double e = leveugle_margin(double(rows), double(plan.population), 2.58, 0.5);
    EXPECT_NEAR(e, 0.01, 0.01 * 0.002) << rows << " faults of " << plan.population;
    // Written out: t sqrt(p (1-p) / n * (N - n) / (N - 1)).
    const double N = double(plan.population), r = double(rows);
    EXPECT_NEAR(e, 2.58 * std::sqrt(0.25 / r * (N - r) / (N - 1)), 1e-15);
  }
}

}  // namespace
}  // namespace faultbench::stats
