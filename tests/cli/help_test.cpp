// The CLI answers like git: `faultbench help [VERB]`, and a misspelt verb gets suggestions.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <string>

#include "test_support.h"

namespace faultbench {
namespace {

struct CliRun {
  int exit_code;
  std::string out, err;
};

CliRun run_cli(const std::string& args) {
  // One file per call and process: ctest runs the tests of this binary in parallel.
  static int calls = 0;
  const std::string err_file =
      ::testing::TempDir() + "/help_test_stderr." + std::to_string(::getpid()) + "." + std::to_string(++calls);
  const std::string cmd = testing::cli_path().string() + " " + args + " 2>" + err_file;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return {-1, "", "popen failed"};
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int status = pclose(pipe);
  std::string err;
  if (FILE* f = std::fopen(err_file.c_str(), "rb")) {
    while ((n = fread(buf.data(), 1, buf.size(), f)) > 0) err.append(buf.data(), n);
    std::fclose(f);
  }
  std::remove(err_file.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, err};
}

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
