// What a campaign does with the files at its output paths (issue: hardening, parts 2-4):
// links planted at temporary or output names are never followed, outputs that are inputs
// are refused, only complete results count as a finished campaign, and a second campaign
// on the same --out is refused while the first holds the journal's lock.
#include <gtest/gtest.h>

#include "cli_fixture.h"
#include "crash/crash_support.h"  // Child: a campaign as a child process we can stop

namespace faultbench {
namespace {

namespace fs = std::filesystem;
using testing::cli_setup;
using testing::run_cli;
using testing::slurp;
using testing::slurp_sidecar;

std::vector<std::string> args_for(const fs::path& out, const std::vector<std::string>& extra = {}) {
  return testing::fixture_campaign_args(out, 16, extra);
}

const std::string& reference() {
  static const std::string csv = [] {
    const auto out = testing::make_temp_dir("safety-ref") / "R.csv";
    const auto r = run_cli(args_for(out));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return slurp(out);
  }();
  return csv;
}

TEST(CampaignOutputs, LinksPlantedAtTheTemporaryNamesAreNotFollowed) {
  const auto dir = testing::make_temp_dir("safety-tmp-link");
  const auto outside = testing::make_temp_dir("safety-outside");
  std::ofstream(outside / "a") << "precious a\n";
  std::ofstream(outside / "b") << "precious b\n";
  fs::create_symlink(outside / "a", dir / "R.csv.tmp");
  fs::create_symlink(outside / "b", dir / "R.csv.json.tmp");
  const auto r = run_cli(args_for(dir / "R.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(slurp(dir / "R.csv"), reference());
  EXPECT_EQ(slurp(outside / "a"), "precious a\n");
  EXPECT_EQ(slurp(outside / "b"), "precious b\n");
  EXPECT_TRUE(fs::is_symlink(dir / "R.csv.tmp"));
  EXPECT_TRUE(fs::is_symlink(dir / "R.csv.json.tmp"));
}

TEST(CampaignOutputs, LinkAtTheJournalIsRefusedAndItsTargetUntouched) {
  const auto dir = testing::make_temp_dir("safety-journal-link");
  const auto outside = testing::make_temp_dir("safety-outside");
  std::ofstream(outside / "victim") << "precious\n";
  fs::create_symlink(outside / "victim", dir / "R.csv.journal");
  const auto r = run_cli(args_for(dir / "R.csv"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err, "faultbench: error: the journal of --out " + (dir / "R.csv.journal").string() +
                       ": is a symbolic link (to " + (outside / "victim").string() +
                       "): refusing to write through it or replace it; remove it or choose another path\n");
  EXPECT_EQ(slurp(outside / "victim"), "precious\n");
  EXPECT_FALSE(fs::exists(dir / "R.csv"));
}

TEST(CampaignOutputs, LinksAtTheResultsAndTheSidecarAreRefused) {
  const auto dir = testing::make_temp_dir("safety-out-link");
  const auto outside = testing::make_temp_dir("safety-outside");
  std::ofstream(outside / "victim") << "precious\n";
  fs::create_symlink(outside / "victim", dir / "R.csv");
  auto r = run_cli(args_for(dir / "R.csv"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("--out " + (dir / "R.csv").string() + ": is a symbolic link"), std::string::npos) << r.err;
  fs::remove(dir / "R.csv");
  fs::create_symlink(outside / "victim", dir / "R.csv.json");
  r = run_cli(args_for(dir / "R.csv"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("the sidecar of --out " + (dir / "R.csv.json").string() + ": is a symbolic link"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(slurp(outside / "victim"), "precious\n");
}

TEST(CampaignOutputs, ProfileOnAnInputOrAnotherOutputIsRefused) {
  const auto dir = testing::make_temp_dir("safety-profile");
  const auto& s = cli_setup();
  const std::string weights = slurp(s.weights);
  auto r = run_cli(args_for(dir / "R.csv", {"--profile", s.weights.string()}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--profile " + s.weights.string() + " is the same file as --weights"), std::string::npos)
      << r.err;
  EXPECT_EQ(slurp(s.weights), weights);
  // Not even after the campaign finished: the profile would have replaced the results.
  ASSERT_EQ(run_cli(args_for(dir / "R.csv")).exit_code, 0);
  r = run_cli(args_for(dir / "R.csv", {"--profile", (dir / "R.csv").string()}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("two outputs cannot share a file"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(dir / "R.csv"), reference());
  r = run_cli(args_for(dir / "R.csv"));
  EXPECT_NE(r.err.find("already complete"), std::string::npos) << r.err;
}

// Issue change: results that are empty or cut short used to count as a finished campaign.
TEST(CampaignOutputs, EmptyOrTruncatedResultsAreNotAFinishedCampaign) {
  const auto dir = testing::make_temp_dir("safety-empty");
  const auto out = dir / "R.csv";
  ASSERT_EQ(run_cli(args_for(out)).exit_code, 0);
  const std::string sidecar = slurp_sidecar(dir / "R.csv.json");
  for (const size_t keep : {size_t(0), reference().size() / 2, reference().size() - 1}) {
    std::ofstream(out, std::ios::binary | std::ios::trunc) << reference().substr(0, keep);
    const auto r = run_cli(args_for(out));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err.find("already complete"), std::string::npos) << keep << " bytes: " << r.err;
    EXPECT_NE(r.err.find("campaign: note: " + out.string() + " is not a complete result of these inputs"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(slurp(out), reference()) << keep << " bytes";
    EXPECT_EQ(slurp_sidecar(dir / "R.csv.json"), sidecar);
    EXPECT_FALSE(fs::exists(dir / "R.csv.journal"));
  }
  // The sidecar alone (results removed): the campaign runs again too.
  fs::remove(out);
  auto r = run_cli(args_for(out));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(slurp(out), reference());
  r = run_cli(args_for(out));
  EXPECT_NE(r.err.find("already complete"), std::string::npos) << r.err;
}

TEST(CampaignOutputs, SidecarWithoutResultsIsProtectedLikeResults) {
  const auto dir = testing::make_temp_dir("safety-sidecar");
  const auto out = dir / "R.csv";
  std::ofstream(dir / "R.csv.json") << "{\"mine\": true}\n";
  auto r = run_cli(args_for(out));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err, "faultbench: error: " + (dir / "R.csv.json").string() +
                       " exists but is not a campaign sidecar (no 'binding' object): refusing to overwrite it; "
                       "remove it or choose another --out\n");
  EXPECT_EQ(slurp(dir / "R.csv.json"), "{\"mine\": true}\n");
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(dir / "R.csv.journal"));
  // The sidecar of a campaign on other inputs (8 images), its results gone.
  fs::remove(dir / "R.csv.json");
  ASSERT_EQ(run_cli(args_for(out, {"--images", "8"})).exit_code, 0);
  fs::remove(out);
  const std::string other = slurp(dir / "R.csv.json");
  r = run_cli(args_for(out));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find((dir / "R.csv.json").string() + " holds the results of a campaign on other inputs: the "
                                                       "image count changed"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(slurp(dir / "R.csv.json"), other);
  EXPECT_FALSE(fs::exists(dir / "R.csv.journal"));
}

// Two campaigns on one --out: the second is refused (exit 1) naming the first's pid and
// changes nothing; the first completes as if alone.
TEST(CampaignOutputs, SecondCampaignOnTheSameOutIsRefusedNamingTheFirstsPid) {
  const auto dir = testing::make_temp_dir("safety-concurrent");
  const auto out = dir / "R.csv";
  const auto journal = dir / "R.csv.journal";
  for (int attempt = 0;; ++attempt) {
    testing::Child first(args_for(out, {"--fault-batch", "1"}));
    // The journal's header is written under the lock: once it is there, the lock is held.
    bool locked = false;
    while (!first.exited()) {
      const std::string bytes = slurp(journal);
      if (!bytes.empty() && parse_journal(bytes, journal.string()).has_header) {
        first.signal(SIGSTOP);
        locked = fs::exists(journal);  // not yet finished and removed
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    if (!locked) {
      first.signal(SIGCONT);
      first.wait();
      ASSERT_EQ(first.exit_code(), 0) << first.err();
      ASSERT_LT(attempt, 3) << "the first campaign always finished before we saw its journal";
      fs::remove(out);
      fs::remove(dir / "R.csv.json");
      continue;
    }
    const std::string before = slurp(journal);
    const auto second = run_cli(args_for(out));
    EXPECT_EQ(second.exit_code, 1) << second.err;
    EXPECT_EQ(second.err, "faultbench: error: " + journal.string() + ": locked by another faultbench campaign (pid " +
                              std::to_string(first.pid()) + "); wait for it to finish or stop it\n");
    EXPECT_EQ(slurp(journal), before) << "the refused campaign changed the journal";
    EXPECT_FALSE(fs::exists(out));
    first.signal(SIGCONT);
    first.wait();
    ASSERT_EQ(first.exit_code(), 0) << first.err();
    break;
  }
  EXPECT_EQ(slurp(out), reference());
  EXPECT_EQ(testing::dir_listing(dir), (std::vector<std::string>{"R.csv", "R.csv.json"}));
}

}  // namespace
}  // namespace faultbench
