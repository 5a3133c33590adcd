// Multi-bit and multi-site campaigns (issue 17) killed and resumed: the journal's positions
// are faults (groups of rows), and the resumed result is byte for byte the uninterrupted
// one, in fast mode with 1 or 2 threads and in brute force.
#include <gtest/gtest.h>

#include "crash/crash_support.h"

namespace faultbench {
namespace {

using namespace faultbench::testing;

// `faultbench faultlist` draws the list (ResNet20/CIFAR-10 names, as the fixture's model).
std::filesystem::path draw_list(const std::filesystem::path& dir, const std::string& name,
                                const std::vector<std::string>& shape) {
  std::vector<std::string> args = {"faultlist",           "--model", "resnet20", "--dataset", "cifar10", "--out",
                                   (dir / name).string(), "--count", "9"};
  args.insert(args.end(), shape.begin(), shape.end());
  const CliResult r = run_cli(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return dir / name;
}

void kill_and_resume(const std::filesystem::path& faults, const std::filesystem::path& dir) {
  const int images = 6;
  const auto ref = dir / "ref" / "R.csv";
  ASSERT_EQ(run_cli(crash_args(faults, ref, images)).exit_code, 0);
  const std::string ref_csv = slurp(ref);
  ASSERT_NE(ref_csv.find(",sites\n"), std::string::npos) << ref_csv;
  EXPECT_EQ(std::count(ref_csv.begin(), ref_csv.end(), '\n'), 10) << "one row per fault";
  // Brute force gives the same bytes.
  auto brute = crash_args(faults, dir / "brute" / "R.csv", images);
  brute.insert(brute.end(), {"--mode", "brute-force"});
  ASSERT_EQ(run_cli(brute).exit_code, 0);
  EXPECT_EQ(slurp(dir / "brute" / "R.csv"), ref_csv);
  // Killed by the journal hook after 2, 5 and 7 journaled faults (one thread), then resumed
  // with two.
  const auto out = dir / "run" / "R.csv";
  for (int after : {2, 5, 7}) {
    auto args = crash_args(faults, out, images);
    *(std::find(args.begin(), args.end(), "--threads") + 1) = "1";
    const CliResult r = run_cli(args, {"FAULTBENCH_TEST_CRASH_AFTER_RECORDS=" + std::to_string(after)});
    ASSERT_EQ(r.exit_code, 137) << r.err;
    EXPECT_EQ(journal_records(journal_path_for(out)), after);
    EXPECT_FALSE(std::filesystem::exists(out));
  }
  const CliResult r = run_cli(crash_args(faults, out, images));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(slurp(out), ref_csv);
}

TEST(MultiSiteResume, TwoBitFaultsResumeToIdenticalBytes) {
  const auto dir = make_temp_dir("crash-multi-bit");
  kill_and_resume(draw_list(dir, "k2.csv", {"--bits-per-fault", "2"}), dir);
}

TEST(MultiSiteResume, ThreeSiteFaultsResumeToIdenticalBytes) {
  const auto dir = make_temp_dir("crash-multi-site");
  kill_and_resume(draw_list(dir, "m3.csv", {"--sites-per-fault", "3"}), dir);
}

// Several output channels of one layer (the fast mode runs them as one faulty step).
TEST(MultiSiteResume, SameLayerFaultsResumeToIdenticalBytes) {
  const auto dir = make_temp_dir("crash-multi-site-layer");
  kill_and_resume(draw_list(dir, "l4.csv", {"--sites-per-fault", "4", "--same-layer"}), dir);
}

}  // namespace
}  // namespace faultbench
