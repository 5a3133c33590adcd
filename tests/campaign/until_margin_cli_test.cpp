// `faultbench campaign --until-margin`: the seeded order, the stop, the sidecar, resuming
// after a crash to the same bytes, and a journal of other settings refused.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "cli_fixture.h"
#include "faultbench/campaign/margin_stop.h"
#include "faultbench/campaign/result_table.h"

namespace faultbench {
namespace {

using testing::run_cli;
using testing::slurp;

// 300 random faults of the fixture's ResNet20 (more than one check point of 64).
const std::filesystem::path& big_list() {
  static const std::filesystem::path path = [] {
    Graph g = build_model("resnet20", "cifar10");
    FaultList list;
    list.faults = testing::random_faults(g, 300, 1234);
    const auto p = testing::make_temp_dir("until-margin-list") / "faults.csv";
    write_fault_list(p, list);
    return p;
  }();
  return path;
}

std::vector<std::string> args(const std::filesystem::path& out, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> e = {"--faults", big_list().string(), "--until-margin", "0.2", "--order-seed", "5"};
  e.insert(e.end(), extra.begin(), extra.end());
  return testing::fixture_campaign_args(out, 10, e);
}

TEST(UntilMarginCli, StopsAtTheMarginAfterTheFirstFaultsOfTheSeededOrder) {
  const auto dir = testing::make_temp_dir("until-margin");
  const auto r = run_cli(args(dir / "R.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("margin reached after"), std::string::npos) << r.err;
  const ResultTable t = read_result_table(dir / "R.csv");
  ASSERT_LT(t.rows.size(), 300u);
  ASSERT_EQ(t.rows.size() % size_t(kMarginCheckEvery), 0u);
  // The rows are the first faults of Python's shuffle(seed 5), in list order.
  const FaultList list = read_fault_list(big_list());
  const std::vector<size_t> order = shuffled_order(300, 5);
  std::set<int64_t> expected, got;
  for (size_t k = 0; k < t.rows.size(); ++k) expected.insert(list.faults[order[k]].injection);
  for (const ResultRow& row : t.rows) got.insert(row.injection);
  EXPECT_EQ(got, expected);
  const nlohmann::json j = nlohmann::json::parse(slurp(dir / "R.csv.json"));
  const nlohmann::json& m = j.at("until_margin");
  EXPECT_EQ(m.at("faults_run"), int64_t(t.rows.size()));
  EXPECT_EQ(j.at("results").at("rows"), int64_t(t.rows.size()));
  EXPECT_EQ(m.at("stopped"), "margin reached");
  EXPECT_EQ(m.at("seed"), 5);
  EXPECT_LE(m.at("groups").at(0).at("half_width").get<double>(), 0.2);
  EXPECT_EQ(j.at("binding").at("until_margin"), "margin 0.2, confidence 0.99, per model, seed 5");
  // Rerun: already complete. Other settings on the same results: refused.
  EXPECT_EQ(run_cli(args(dir / "R.csv")).exit_code, 0);
  const auto other = run_cli(args(dir / "R.csv", {"--order-seed", "6"}));
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_NE(other.err.find("the --until-margin settings changed (was margin 0.2, confidence 0.99, per model, seed 5, "
                           "now margin 0.2, confidence 0.99, per model, seed 6)"),
            std::string::npos)
      << other.err;
}

TEST(UntilMarginCli, ResumesAfterACrashToTheSameBytes) {
  const auto dir = testing::make_temp_dir("until-margin-crash");
  const auto whole = run_cli(args(dir / "A.csv"));
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  // Killed after 5 journal records (batches of 3 faults): 15 faults of the order done.
  auto r = run_cli(args(dir / "B.csv"), {"FAULTBENCH_TEST_CRASH_AFTER_RECORDS=5"});
  ASSERT_EQ(r.exit_code, 137) << r.err;
  // Resumed with another batch size: the same check points, the same stop.
  r = run_cli(args(dir / "B.csv", {"--fault-batch", "7"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("resuming: 15 of 300"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(dir / "B.csv"), slurp(dir / "A.csv"));
}

TEST(UntilMarginCli, PerBitRunsUntilEveryBitIsPreciseOrTheListEnds) {
  const auto dir = testing::make_temp_dir("until-margin-bit");
  const auto r = run_cli(args(dir / "R.csv", {"--until-margin", "0.001", "--per", "bit"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_result_table(dir / "R.csv").rows.size(), 300u);
  const nlohmann::json j = nlohmann::json::parse(slurp(dir / "R.csv.json"));
  EXPECT_EQ(j.at("until_margin").at("stopped"), "every fault run");
  for (const auto& g : j.at("until_margin").at("groups")) EXPECT_EQ(g.at("half_width"), 0.0);
}

}  // namespace
}  // namespace faultbench
