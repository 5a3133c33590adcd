// `campaign --shard K/N` and `merge`: the partition (every fault in exactly one part, parts
// contiguous in the engine's batching order and balanced by cost) and the end-to-end
// promise: the merged parts are the bytes of an unsharded run.
#include <gtest/gtest.h>

#include <map>

#include "campaign/campaign_fixtures.h"
#include "campaign/cli_fixture.h"
#include "faultbench/campaign/shard.h"
#include "faultbench/error.h"

namespace faultbench {
namespace {

using testing::run_cli;
using testing::slurp;
using testing::slurp_sidecar;

TEST(Shard, ParsesKOverN) {
  const ShardSpec s = parse_shard("3/8");
  EXPECT_EQ(s.index, 3);
  EXPECT_EQ(s.count, 8);
  EXPECT_EQ(s.name(), "3/8");
  for (const char* bad : {"0/3", "4/3", "3", "/3", "1/", "a/3", "1/0", "1/3x", "-1/3", "1/100001", " 1/3"})
    EXPECT_THROW(parse_shard(bad), UsageError) << bad;
}

TEST(Shard, PartsCoverTheListOnceContiguousInBatchOrderAndBalanced) {
  Graph g = build_model("resnet20", "cifar10");
  testing::randomize_weights(g, 3);
  std::vector<ResolvedFault> faults;
  for (const Fault& f : testing::random_faults(g, 300, 11)) faults.push_back(resolve_fault(g, f));
  for (CampaignMode mode : {CampaignMode::Fast, CampaignMode::BruteForce})
    for (int n : {1, 2, 3, 7, 400}) {
      std::vector<int> part_of(faults.size(), -1);
      std::vector<size_t> sizes;
      for (int k = 1; k <= n; ++k) {
        const std::vector<size_t> mine = shard_positions(g, faults, mode, ShardSpec{k, n});
        EXPECT_TRUE(std::is_sorted(mine.begin(), mine.end()));
        for (size_t p : mine) {
          ASSERT_EQ(part_of[p], -1) << "position " << p << " in two parts";
          part_of[p] = k;
        }
        sizes.push_back(mine.size());
      }
      for (size_t p = 0; p < faults.size(); ++p) ASSERT_NE(part_of[p], -1) << "position " << p << " in no part";
      // Along the batching order (node, then list position) the part never goes down.
      std::vector<size_t> order(faults.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return faults[a].node < faults[b].node; });
      for (size_t i = 1; i < order.size(); ++i) EXPECT_LE(part_of[order[i - 1]], part_of[order[i]]);
      // Brute force: every fault costs the same, so the parts differ by at most one fault.
      if (mode == CampaignMode::BruteForce && n <= 300) {
        EXPECT_LE(*std::max_element(sizes.begin(), sizes.end()) - *std::min_element(sizes.begin(), sizes.end()), 1u);
      }
    }
}

TEST(Shard, FastPartsTakeFewerEarlyLayerFaults) {
  // An early fault recomputes most of the network: the first part (early layers) holds
  // fewer faults than the last (late layers, cheap).
  Graph g = build_model("resnet20", "cifar10");
  testing::randomize_weights(g, 3);
  std::vector<ResolvedFault> faults;
  for (const Fault& f : testing::random_faults(g, 300, 11)) faults.push_back(resolve_fault(g, f));
  const auto first = shard_positions(g, faults, CampaignMode::Fast, ShardSpec{1, 3});
  const auto last = shard_positions(g, faults, CampaignMode::Fast, ShardSpec{3, 3});
  EXPECT_LT(first.size(), last.size());
}

std::vector<std::string> args(const std::filesystem::path& out, const std::vector<std::string>& extra = {}) {
  return testing::fixture_campaign_args(out, 12, extra);
}

TEST(ShardCli, MergedPartsAreTheBytesOfAnUnshardedRun) {
  const auto dir = testing::make_temp_dir("shard-merge");
  auto r = run_cli(args(dir / "whole.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Three parts, each with its own thread count and batch size.
  std::vector<std::string> merge = {"merge"};
  for (int k = 1; k <= 3; ++k) {
    const auto part = dir / ("part" + std::to_string(k) + ".csv");
    r = run_cli(args(part, {"--shard", std::to_string(k) + "/3", "--threads", std::to_string(k % 2 + 1),
                            "--fault-batch", std::to_string(k + 1)}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    merge.insert(merge.begin() + 1, part.string());  // any order
  }
  merge.insert(merge.end(), {"--out", (dir / "merged.csv").string()});
  r = run_cli(merge);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(slurp(dir / "merged.csv"), slurp(dir / "whole.csv"));
  // The sidecar too, but for "run" (how it came about) and the threads (the parts' differ).
  auto without_threads = [](std::string s) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(s);
    j.erase("threads");
    return j.dump();
  };
  EXPECT_EQ(without_threads(slurp_sidecar(dir / "merged.csv.json")),
            without_threads(slurp_sidecar(dir / "whole.csv.json")));
  // A campaign on the merged result finds it complete.
  r = run_cli(args(dir / "merged.csv"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("already complete"), std::string::npos) << r.err;
  // Merging again is allowed (same campaign) and leaves the bytes.
  r = run_cli(merge);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(slurp(dir / "merged.csv"), slurp(dir / "whole.csv"));
}

TEST(ShardCli, APartResumesOnlyItsOwnJournal) {
  const auto dir = testing::make_temp_dir("shard-resume");
  auto r = run_cli(args(dir / "p.csv", {"--shard", "1/2"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli(args(dir / "p.csv", {"--shard", "2/2"}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("the part (--shard) changed (was 1/2, now 2/2)"), std::string::npos) << r.err;
  r = run_cli(args(dir / "p.csv"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("was 1/2, now the whole list"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace faultbench
