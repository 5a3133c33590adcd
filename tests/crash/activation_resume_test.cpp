// Activation-fault campaigns (issue 17 item 2) killed and resumed: the journal works as for
// weights, and the resumed result is byte for byte the uninterrupted one, fast mode with 1
// or 2 threads and brute force; the list's target is recorded in the journal and sidecar.
#include <gtest/gtest.h>

#include "crash/crash_support.h"

namespace faultbench {
namespace {

using namespace faultbench::testing;

std::vector<std::string> activation_args(const std::filesystem::path& faults, const std::filesystem::path& out) {
  std::vector<std::string> args = crash_args(faults, out, 6);
  args.insert(args.end(), {"--target", "activations"});
  return args;
}

TEST(ActivationResume, KilledAndResumedToIdenticalBytes) {
  const auto dir = make_temp_dir("crash-activations");
  const auto faults = dir / "act.csv";
  const CliResult drawn = run_cli({"faultlist", "--model", "resnet20", "--dataset", "cifar10", "--out", faults.string(),
                                   "--count", "9", "--target", "activations"});
  ASSERT_EQ(drawn.exit_code, 0) << drawn.err;
  EXPECT_NE(slurp(dir / "act.csv.json").find("\"target\": \"activations\""), std::string::npos);

  const auto ref = dir / "ref" / "R.csv";
  ASSERT_EQ(run_cli(activation_args(faults, ref)).exit_code, 0);
  const std::string ref_csv = slurp(ref);
  EXPECT_EQ(std::count(ref_csv.begin(), ref_csv.end(), '\n'), 10) << "one row per fault";
  EXPECT_NE(slurp(dir / "ref" / "R.csv.json").find("\"target\": \"activations\""), std::string::npos);
  auto brute = activation_args(faults, dir / "brute" / "R.csv");
  brute.insert(brute.end(), {"--mode", "brute-force"});
  ASSERT_EQ(run_cli(brute).exit_code, 0);
  EXPECT_EQ(slurp(dir / "brute" / "R.csv"), ref_csv);

  // Killed by the journal hook after 2 and 6 journaled faults (one thread), resumed with two.
  const auto out = dir / "run" / "R.csv";
  for (int after : {2, 6}) {
    auto args = activation_args(faults, out);
    *(std::find(args.begin(), args.end(), "--threads") + 1) = "1";
    const CliResult r = run_cli(args, {"FAULTBENCH_TEST_CRASH_AFTER_RECORDS=" + std::to_string(after)});
    ASSERT_EQ(r.exit_code, 137) << r.err;
    EXPECT_EQ(journal_records(journal_path_for(out)), after);
  }
  // The journal was written for activations: resuming it as a weight campaign is refused.
  auto as_weights = crash_args(faults, out, 6);
  const CliResult refused = run_cli(as_weights);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("sites are activations"), std::string::npos) << refused.err;
  const CliResult r = run_cli(activation_args(faults, out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(slurp(out), ref_csv);
}

}  // namespace
}  // namespace faultbench
