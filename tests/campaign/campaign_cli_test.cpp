// The campaign command end to end: modes agree byte for byte, kills at any moment resume
// to the same bytes, finished campaigns are left alone, changed inputs are refused.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include <random>

#include "cli_fixture.h"

namespace faultbench {
namespace {

using testing::cli_setup;
using testing::run_cli;
using testing::slurp;

std::vector<std::string> campaign_args(const std::filesystem::path& out, int images = 16,
                                       const std::vector<std::string>& extra = {}) {
  return testing::fixture_campaign_args(out, images, extra);
}

// N from the "campaign: resuming: N of M faults already done" line; -1 when absent.
int64_t resumed(const std::string& err) {
  const auto at = err.find("resuming: ");
  return at == std::string::npos ? -1 : std::atoll(err.c_str() + at + 10);
}

// The uninterrupted fast-mode result, computed once.
const std::string& reference_csv() {
  static const std::string csv = [] {
    const auto dir = testing::make_temp_dir("campaign-ref");
    const auto r = run_cli(campaign_args(dir / "R.csv"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return slurp(dir / "R.csv");
  }();
  return csv;
}

TEST(CampaignCli, FastAndBruteForceWriteTheSameBytes) {
  const std::string& fast = reference_csv();
  ASSERT_FALSE(fast.empty());
  EXPECT_EQ(
      fast.rfind("Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical,due,top1_correct\n", 0),
      0u);
  EXPECT_EQ(std::count(fast.begin(), fast.end(), '\n'), 31);
  const auto dir = testing::make_temp_dir("campaign-bf");
  const auto r = run_cli(campaign_args(dir / "R.csv", 16, {"--mode", "brute-force", "--threads", "1"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(slurp(dir / "R.csv"), fast);
  EXPECT_FALSE(std::filesystem::exists(dir / "R.csv.journal"));
  const std::string sidecar = slurp(dir / "R.csv.json");
  for (const char* key : {"faultbench_version", "weights", "sha256", "fault_model", "\"images\": 16", "brute-force"})
    EXPECT_NE(sidecar.find(key), std::string::npos) << key << " missing from " << sidecar;
  // Not a terminal: one plain summary line.
  EXPECT_NE(r.err.find("campaign: complete: 30/30 faults"), std::string::npos) << r.err;
}

TEST(CampaignCli, SidecarRecordsHowTheRunCameAbout) {
  const auto dir = testing::make_temp_dir("campaign-provenance");
  const auto r = run_cli(campaign_args(dir / "R.csv", 4));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(slurp(dir / "R.csv.json"));
  const nlohmann::json& run = j.at("run");
  EXPECT_EQ(run.at("faultbench_version"), FAULTBENCH_VERSION);
  EXPECT_FALSE(run.at("git_commit").get<std::string>().empty());
  EXPECT_FALSE(run.at("cpu").get<std::string>().empty());
  EXPECT_TRUE(std::regex_match(run.at("simd").get<std::string>(), std::regex("avx512|avx2|neon|scalar")))
      << run.at("simd");
  const std::vector<std::string> argv = run.at("command_line");
  ASSERT_GE(argv.size(), 2u);
  EXPECT_EQ(argv[1], "campaign");
  EXPECT_NE(std::find(argv.begin(), argv.end(), (dir / "R.csv").string()), argv.end());
  for (const char* t : {"started_utc", "finished_utc"})
    EXPECT_TRUE(std::regex_match(run.at(t).get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
        << run.at(t);
  EXPECT_GE(run.at("wall_seconds").get<double>(), 0.0);
  EXPECT_EQ(run.at("resumed_faults"), 0);
  EXPECT_EQ(j.at("data").at("selection"), "stratified");  // --images N
  EXPECT_TRUE(j.at("fault_list").at("seed").is_null()) << "the fixture's list has no sidecar";
}

TEST(CampaignCli, ImagesIsAStratifiedSampleRecordedInTheSidecar) {
  const auto dir = testing::make_temp_dir("campaign-images");
  // The fixture's test file: its labels decide the classes; ask for 20 images, seed 3.
  auto args = campaign_args(dir / "R.csv", 20, {"--image-seed", "3"});
  auto r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(slurp(dir / "R.csv.json"));
  EXPECT_EQ(j.at("data").at("selection"), "stratified");
  EXPECT_EQ(j.at("data").at("image_seed"), 3);
  const std::vector<int64_t> idx = j.at("data").at("image_indices");
  ASSERT_EQ(idx.size(), 20u);
  EXPECT_TRUE(std::is_sorted(idx.begin(), idx.end()));
  EXPECT_GT(idx.back(), 19) << "a stratified sample is not the first 20 images";
  // --first-images runs the first N; the two options exclude each other; a seed needs --images.
  auto first = campaign_args(dir / "F.csv", 20, {"--first-images", "20"});
  first.erase(std::find(first.begin(), first.end(), "--images"), std::find(first.begin(), first.end(), "--images") + 2);
  r = run_cli(first);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(slurp(dir / "F.csv.json")).at("data").at("selection"), "first");
  r = run_cli(campaign_args(dir / "X.csv", 20, {"--first-images", "20"}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--images excludes --first-images"), std::string::npos) << r.err;
}

TEST(CampaignCli, ListSidecarGivesTheSeedAndRefusesAnotherModel) {
  const auto dir = testing::make_temp_dir("campaign-list-sidecar");
  const std::string list = (dir / "l.csv").string();
  ASSERT_EQ(run_cli({"faultlist", "--model", "resnet20", "--dataset", "cifar10", "--out", list, "--count", "4",
                     "--seed", "17"})
                .exit_code,
            0);
  ASSERT_TRUE(std::filesystem::exists(dir / "l.csv.json"));
  auto r = run_cli(campaign_args(dir / "R.csv", 4, {"--faults", list}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(slurp(dir / "R.csv.json"));
  EXPECT_EQ(j.at("fault_list").at("seed"), 17);
  EXPECT_EQ(j.at("fault_list").at("sampling").at("population"), 268336LL * 64);
  // The same list, drawn for resnet32 (its sidecar says so), is refused before any work.
  ASSERT_EQ(run_cli({"faultlist", "--model", "resnet32", "--dataset", "cifar10", "--out", (dir / "l32.csv").string(),
                     "--count", "4"})
                .exit_code,
            0);
  r = run_cli(campaign_args(dir / "R32.csv", 4, {"--faults", (dir / "l32.csv").string()}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "faultbench: error: " + (dir / "l32.csv").string() +
                       ": this fault list was drawn for resnet32/cifar10 (l32.csv.json), the campaign runs "
                       "resnet20/cifar10\n");
  // An edited list no longer matches its sidecar: the seed is not claimed, and a note says why.
  { std::ofstream(list, std::ios::app) << ""; }
  std::string text = slurp(list);
  text.pop_back();  // drop the final newline: other bytes, same faults
  { std::ofstream(list, std::ios::binary | std::ios::trunc) << text; }
  r = run_cli(campaign_args(dir / "R2.csv", 4, {"--faults", list}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("l.csv.json was written for other list bytes"), std::string::npos) << r.err;
  EXPECT_TRUE(nlohmann::json::parse(slurp(dir / "R2.csv.json")).at("fault_list").at("seed").is_null());
}

TEST(CampaignCli, FastEqualsBruteForceOnAFaultWhosePositionBitmapsOnceWentStale) {
  // Regression (found by the 500 x 10,000 validation run): with the published ResNet20
  // weights, fault 6742 of the published list over the first 3,661 images, one image was
  // counted masked by fast mode and non-critical by brute force, because a step's output
  // kept the bitmap of changed positions from the previous micro-batch when it was run
  // without one. 169/3492 instead of 168/3493 masked/non-critical.
  FAULTBENCH_REQUIRE_DATA(data);
  const auto dir = testing::make_temp_dir("campaign-stale-positions");
  {
    std::ofstream f(dir / "f.csv");
    f << "Injection,Layer,TensorIndex,Bit\n6742,layer3.0.conv2,\"(4, 1, 2, 1)\",11\n";
  }
  auto args = [&](const std::string& out, const std::string& mode) {
    return std::vector<std::string>{"campaign",
                                    "--model",
                                    "resnet20",
                                    "--dataset",
                                    "cifar10",
                                    "--weights",
                                    (data / "weights/cifar10/ResNet20.th").string(),
                                    "--data-dir",
                                    (data / "cifar10-jpeg").string(),
                                    "--faults",
                                    (dir / "f.csv").string(),
                                    "--out",
                                    (dir / out).string(),
                                    "--first-images",
                                    "3661",
                                    "--threads",
                                    "2",
                                    "--mode",
                                    mode};
  };
  auto r = run_cli(args("fast.csv", "fast"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli(args("brute.csv", "brute-force"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string fast = slurp(dir / "fast.csv");
  EXPECT_EQ(fast, slurp(dir / "brute.csv"));
  EXPECT_NE(fast.find(",3661,168,3493,0,"), std::string::npos) << fast;
}

TEST(CampaignCli, ResumesAfterCrashesAtJournalRecordsToTheSameBytes) {
  const auto dir = testing::make_temp_dir("campaign-crash");
  const auto out = dir / "R.csv";
  // Dies (as SIGKILL would) after 2 records, then halfway through writing the 5th.
  auto r = run_cli(campaign_args(out), {"FAULTBENCH_TEST_CRASH_AFTER_RECORDS=2"});
  EXPECT_EQ(r.exit_code, 137) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "R.csv.journal"));
  EXPECT_FALSE(std::filesystem::exists(out));
  r = run_cli(campaign_args(out), {"FAULTBENCH_TEST_CRASH_AFTER_RECORDS=4", "FAULTBENCH_TEST_CRASH_TORN=1"});
  EXPECT_EQ(r.exit_code, 137) << r.err;
  const int64_t first = resumed(r.err);
  EXPECT_GE(first, 2) << r.err;  // two batches of 1..3 faults (batches never span layers)
  EXPECT_LE(first, 6) << r.err;
  r = run_cli(campaign_args(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("torn"), std::string::npos) << r.err;
  const int64_t second = resumed(r.err);
  EXPECT_GT(second, first) << r.err;
  EXPECT_LE(second, 12) << r.err;
  EXPECT_EQ(slurp(out), reference_csv());
  EXPECT_FALSE(std::filesystem::exists(dir / "R.csv.journal"));
}

TEST(CampaignCli, ResumesAfterSigkillAtRandomMoments) {
  const auto dir = testing::make_temp_dir("campaign-kill");
  const auto out = dir / "R.csv";
  std::mt19937 rng(std::random_device{}());
  int kills = 0;
  for (int run = 0; run < 12 && !std::filesystem::exists(out); ++run) {
    const int delay = int(rng() % 1500);
    const auto r = run_cli(campaign_args(out, 16, {"--fault-batch", "1"}), {}, delay);
    if (r.signal == SIGKILL)
      ++kills;
    else
      EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  if (!std::filesystem::exists(out)) {
    const auto r = run_cli(campaign_args(out, 16, {"--fault-batch", "1"}));
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  ASSERT_TRUE(std::filesystem::exists(out)) << "the final run did not complete";
  EXPECT_EQ(slurp(out), reference_csv()) << kills << " kills";
  RecordProperty("kills", kills);
}

TEST(CampaignCli, SigintStopsCleanlyAndResumes) {
  const auto dir = testing::make_temp_dir("campaign-int");
  const auto out = dir / "R.csv";
  const auto r = run_cli(campaign_args(out, 64, {"--fault-batch", "1", "--threads", "1"}), {}, 400, SIGINT);
  if (r.exit_code != 0) {  // stopped before the end (the usual case)
    EXPECT_EQ(r.signal, 0) << "SIGINT must be handled, not fatal";
    EXPECT_EQ(r.exit_code, 130) << "an interrupted command exits 128 + SIGINT, as shells expect";
    EXPECT_NE(r.err.find("faultbench: interrupted: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("rerun the same command to resume"), std::string::npos) << r.err;
    EXPECT_TRUE(std::filesystem::exists(dir / "R.csv.journal"));
  }
  const auto again = run_cli(campaign_args(out, 64, {"--fault-batch", "1"}));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto dir2 = testing::make_temp_dir("campaign-int-ref");
  ASSERT_EQ(run_cli(campaign_args(dir2 / "R.csv", 64)).exit_code, 0);
  EXPECT_EQ(slurp(out), slurp(dir2 / "R.csv"));
}

TEST(CampaignCli, FinishedCampaignIsLeftAloneAndOtherInputsAreRefused) {
  const auto dir = testing::make_temp_dir("campaign-done");
  const auto out = dir / "R.csv";
  ASSERT_EQ(run_cli(campaign_args(out)).exit_code, 0);
  const auto mtime = std::filesystem::last_write_time(out);
  auto r = run_cli(campaign_args(out));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("already complete"), std::string::npos) << r.err;
  EXPECT_EQ(std::filesystem::last_write_time(out), mtime);
  EXPECT_EQ(slurp(out), reference_csv());
  r = run_cli(campaign_args(out, 8));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("image count changed"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(out), reference_csv());
}

TEST(CampaignCli, RefusesToResumeAJournalWithChangedInputs) {
  const auto& s = cli_setup();
  const auto dir = testing::make_temp_dir("campaign-refuse");
  const auto out = dir / "R.csv";
  ASSERT_EQ(run_cli(campaign_args(out), {"FAULTBENCH_TEST_CRASH_AFTER_RECORDS=1"}).exit_code, 137);
  const std::string journal = slurp(dir / "R.csv.journal");

  // Other weights: same model, one weight changed.
  Graph g = build_model("resnet20", "cifar10");
  testing::randomize_weights(g, 99);
  g.params[0].value.data[0] += 1.0f;
  const auto weights2 = dir / "w2.safetensors";
  write_safetensors(g, weights2);
  std::vector<std::string> args = campaign_args(out);
  std::replace(args.begin(), args.end(), s.weights.string(), weights2.string());
  auto r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("refusing to resume"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("weights"), std::string::npos) << r.err;

  // Other fault list (same faults minus the last one).
  std::string list = slurp(s.faults);
  list.erase(list.rfind('\n', list.size() - 2) + 1);
  const auto faults2 = dir / "f2.csv";
  std::ofstream(faults2) << list;
  args = campaign_args(out);
  std::replace(args.begin(), args.end(), s.faults.string(), faults2.string());
  r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("fault list"), std::string::npos) << r.err;

  // Other fault model and other images.
  r = run_cli(campaign_args(out, 16, {"--fault-model", "stuck-at-1"}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("fault model"), std::string::npos) << r.err;
  r = run_cli(campaign_args(out, 17));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("image count"), std::string::npos) << r.err;

  EXPECT_EQ(slurp(dir / "R.csv.journal"), journal) << "a refused run must not touch the journal";
  EXPECT_FALSE(std::filesystem::exists(out));
  // The original inputs still resume to the reference bytes.
  ASSERT_EQ(run_cli(campaign_args(out)).exit_code, 0);
  EXPECT_EQ(slurp(out), reference_csv());
}

TEST(CompareCli, PrintsTotalsCorrelationAndWorstFaults) {
  const auto dir = testing::make_temp_dir("compare-cli");
  std::ofstream(dir / "a.csv") << "Injection,masked,non_critical,critical\n0,5,3,2\n1,0,0,10\n2,10,0,0\n";
  std::ofstream(dir / "b.csv") << reference_csv().substr(0, 0)
                               << "Injection,masked,non_critical,critical\n0,5,4,1\n1,0,1,9\n2,9,0,1\n";
  const auto out = dir / "stdout.txt";
  const std::string cmd = testing::cli_path().string() + " compare " + (dir / "a.csv").string() + " " +
                          (dir / "b.csv").string() + " > " + out.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const std::string text = slurp(out);
  EXPECT_NE(text.find("critical mean absolute difference: 1.0000"), std::string::npos) << text;
  EXPECT_NE(text.find("critical correlation: 0.981981"), std::string::npos) << text;
  EXPECT_NE(text.find("faults that disagree most"), std::string::npos) << text;
}

// Two runs of the same list over 16 and 8 images: their counts do not compare, their
// rates do; a run of part of the list compares only with --allow-partial.
TEST(CompareCli, RefusesOtherFaultsOrImagesUnlessTold) {
  const auto dir = testing::make_temp_dir("compare-cli-refuse");
  ASSERT_EQ(run_cli(campaign_args(dir / "R16.csv")).exit_code, 0);
  ASSERT_EQ(run_cli(campaign_args(dir / "R8.csv", 8)).exit_code, 0);
  const std::string a = (dir / "R16.csv").string(), b = (dir / "R8.csv").string();
  testing::CliResult r = run_cli({"compare", a, a});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  r = run_cli({"compare", a, b});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("the image counts differ: n_injections is 16 in A, 8 in B (on 30 of the 30 common faults)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(run_cli({"compare", "--rates", a, b}).exit_code, 0);
  // The first 20 faults of the 16-image run: 10 faults only in A.
  std::string part = slurp(a);
  for (int i = 0; i < 10; ++i) part.erase(part.rfind('\n', part.size() - 2) + 1);
  std::ofstream(dir / "part.csv") << part;
  const std::string p = (dir / "part.csv").string();
  r = run_cli({"compare", a, p});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("the fault sets differ (paired by Layer, TensorIndex, Bit): 10 only in A (line 22: "),
            std::string::npos)
      << r.err;
  r = run_cli({"compare", "--allow-partial", a, p});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.rfind("compare: warning: comparing only the 20 faults in both files", 0), 0u) << r.err;
  EXPECT_EQ(run_cli({"compare", "--allow-partial", p, b}).exit_code, 1) << "partial, but other image counts";
  EXPECT_EQ(run_cli({"compare", "--allow-partial", "--rates", p, b}).exit_code, 0);
}

// A result file is a fault list: its result columns (due and top1_correct included) are
// ignored, and its campaign sidecar is not taken for the list's sidecar.
TEST(CampaignCli, AResultFileIsAFaultList) {
  const auto dir = testing::make_temp_dir("campaign-results-as-list");
  ASSERT_EQ(run_cli(campaign_args(dir / "R.csv")).exit_code, 0);
  ASSERT_TRUE(std::filesystem::exists(dir / "R.csv.json"));
  const testing::CliResult r = run_cli(campaign_args(dir / "R2.csv", 16, {"--faults", (dir / "R.csv").string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("note"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(dir / "R2.csv"), reference_csv());
}

}  // namespace
}  // namespace faultbench
