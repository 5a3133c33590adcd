// The seeded order and the stopping rule of `campaign --until-margin`.
#include <gtest/gtest.h>

#include "faultbench/campaign/intervals.h"
#include "faultbench/campaign/margin_stop.h"
#include "faultbench/campaign/progress.h"

namespace faultbench {
namespace {

TEST(MarginStop, OrderIsPythonsShuffle) {
  // python3 -c "import random; o = list(range(n)); random.Random(seed).shuffle(o); print(o)"
  EXPECT_EQ(shuffled_order(10, 0), (std::vector<size_t>{7, 8, 1, 5, 3, 4, 2, 0, 9, 6}));
  EXPECT_EQ(shuffled_order(10, 7), (std::vector<size_t>{8, 3, 1, 4, 7, 0, 9, 6, 2, 5}));
  EXPECT_EQ(shuffled_order(5, 3), (std::vector<size_t>{0, 2, 3, 4, 1}));
  EXPECT_EQ(shuffled_order(1, 42), (std::vector<size_t>{0}));
  EXPECT_TRUE(shuffled_order(0, 1).empty());
}

Fault fault(const std::string& layer, int bit) {
  Fault f;
  f.site.layer = layer;
  f.site.bit = bit;
  return f;
}

FaultCounts counts(int64_t critical, int64_t images) {
  FaultCounts c;
  c.critical = critical;
  c.non_critical = images - critical;
  return c;
}

TEST(MarginStop, GroupsAndHalfWidths) {
  const std::vector<Fault> faults = {fault("a", 1), fault("a", 30), fault("b", 30), fault("b", 1)};
  const std::vector<FaultCounts> c = {counts(0, 10), counts(10, 10), counts(5, 10), counts(0, 10)};
  const double z = stats::z_for_confidence(0.99);
  // Nothing run: every group is [0, 1].
  std::vector<GroupMargin> g = group_margins(faults, c, {0, 0, 0, 0}, MarginGroups::Model, z);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].half_width, 0.5);
  EXPECT_FALSE(margins_reached(g, 0.49));
  // Two of four run: the rate is their critical injections over their injections, the
  // interval Wilson's over 2 faults of 4 (finite population correction).
  g = group_margins(faults, c, {1, 1, 0, 0}, MarginGroups::Model, z);
  EXPECT_EQ(g[0].faults_run, 2);
  EXPECT_EQ(g[0].faults_listed, 4);
  EXPECT_DOUBLE_EQ(g[0].rate, 0.5);
  EXPECT_DOUBLE_EQ(g[0].half_width, stats::wilson_fpc_interval(1, 2, 4, z).half_width());
  // Everything run: exact.
  g = group_margins(faults, c, {1, 1, 1, 1}, MarginGroups::Layer, z);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].group, "a");
  EXPECT_EQ(g[1].group, "b");
  EXPECT_TRUE(margins_reached(g, 0.0));
  // Per bit: only the bits the list has, in bit order; one unrun group keeps it open.
  g = group_margins(faults, c, {1, 1, 1, 0}, MarginGroups::Bit, z);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].group, "1");
  EXPECT_EQ(g[1].group, "30");
  EXPECT_GT(g[0].half_width, 0);
  EXPECT_EQ(g[1].half_width, 0);
  EXPECT_FALSE(margins_reached(g, 0.01));
  EXPECT_EQ(widest_group(g)->group, "1");
}

TEST(MarginStop, DescribeIsTheBindingText) {
  MarginStop m;
  m.margin = 0.01;
  m.per = MarginGroups::Layer;
  m.seed = 3;
  EXPECT_EQ(m.describe(), "margin 0.01, confidence 0.99, per layer, seed 3");
}

}  // namespace
}  // namespace faultbench

namespace faultbench {
namespace {

// The progress line carries the rate and margin (what a terminal shows during the run).
TEST(MarginStop, ProgressLineShowsTheNote) {
  ProgressReporter p(nullptr, true);
  p.start(100, 0, 10);
  EXPECT_EQ(p.status_line().find("critical"), std::string::npos);
  p.set_note("critical 1.250% +-0.800% (target 1.000%)");
  EXPECT_NE(p.status_line().find(", critical 1.250% +-0.800% (target 1.000%)"), std::string::npos) << p.status_line();
}

}  // namespace
}  // namespace faultbench
