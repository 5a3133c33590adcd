// The CLI answers like git: `faultbench help [VERB]`, and a misspelt verb gets suggestions.
#include <gtest/gtest.h>

#include <string>

#include "test_support.h"

namespace faultbench {
namespace {

using CliRun = testing::ShellRun;
CliRun run_cli(const std::string& args) { return testing::run_faultbench(args); }

TEST(CliHelp, HelpVerbPrintsThatVerbsOptions) {
  const CliRun r = run_cli("help campaign");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Usage: faultbench campaign [OPTIONS]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--faults"), std::string::npos) << r.out;
  // The same text as `faultbench campaign --help`.
  EXPECT_EQ(r.out, run_cli("campaign --help").out);
}

TEST(CliHelp, HelpAlonePrintsEveryVerb) {
  const CliRun r = run_cli("help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* verb : {"models", "faultlist", "eval", "convert", "fetch", "campaign", "compare"})
    EXPECT_NE(r.out.find(std::string("\n  ") + verb + " "), std::string::npos) << verb << " missing in:\n" << r.out;
}

TEST(CliHelp, MisspeltVerbSuggestsTheCloseOne) {
  const CliRun r = run_cli("campain --model resnet20");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "faultbench: 'campain' is not a faultbench command. See 'faultbench --help'.\n\n"
            "The most similar command is\n\tcampaign\n");
}

TEST(CliHelp, HelpOfAnUnknownVerbSuggestsToo) {
  const CliRun r = run_cli("help evl");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "faultbench: 'evl' is not a faultbench command. See 'faultbench --help'.\n\n"
            "The most similar command is\n\teval\n");
}

}  // namespace
}  // namespace faultbench
