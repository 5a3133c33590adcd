// End-to-end: `faultbench eval` on the real reference checkpoints and the JPEG-rebuilt
// CIFAR-10 test set gives exactly the accuracy PyTorch fp32 gives on that file
// (../shared/data/README.md: 80.79 / 82.31 / 82.97 %).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "test_support.h"

namespace faultbench {
namespace {

struct RunResult {
  int exit_code;
  std::string output;
};

RunResult run(const std::string& args) {
  const std::string cmd = testing::cli_path().string() + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// The parameter is the model alone, so that the ctest name is stable ("resnet20"): a pair
// of C strings printed as two pointers, which change with every build (and hold spaces,
// so that ctest could keep no time for the test).
class EvalReference : public ::testing::TestWithParam<const char*> {};

TEST_P(EvalReference, Top1MatchesPyTorchOnTheJpegTestSet) {
  FAULTBENCH_REQUIRE_DATA(data);
  const char* model = GetParam();
  const std::string expected = std::string(model) == "resnet20"   ? "80.79"
                               : std::string(model) == "resnet32" ? "82.31"
                                                                  : "82.97";
  std::string weights = std::string(model) == "resnet20"   ? "ResNet20.th"
                        : std::string(model) == "resnet32" ? "ResNet32.th"
                                                           : "ResNet44.th";
  const RunResult r =
      run(std::string("eval --model ") + model + " --dataset cifar10 --weights " +
          (data / "weights/cifar10" / weights).string() + " --data-dir " + (data / "cifar10-jpeg").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(std::string("top1: ") + expected + "%\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("images/s"), std::string::npos) << r.output;
}

INSTANTIATE_TEST_SUITE_P(Cifar10, EvalReference, ::testing::Values("resnet20", "resnet32", "resnet44"));

TEST(EvalCli, LogitsFileHasOneRowPerImageWithNineDigits) {
  FAULTBENCH_REQUIRE_DATA(data);
  const auto dir = testing::make_temp_dir("eval");
  const auto logits = dir / "logits.csv";
  const RunResult r = run("eval --model resnet20 --dataset cifar10 --first-images 7 --weights " +
                          (data / "weights/cifar10/ResNet20.th").string() + " --data-dir " +
                          (data / "cifar10-jpeg").string() + " --logits " + logits.string() + " --per-class");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(logits);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "index,label,logit_0,logit_1,logit_2,logit_3,logit_4,logit_5,logit_6,logit_7,logit_8,logit_9");
  int rows = 0;
  while (std::getline(in, line)) {
    ++rows;
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), 11) << line;
  }
  EXPECT_EQ(rows, 7);
  EXPECT_NE(r.output.find("class   0:"), std::string::npos) << r.output;
}

TEST(EvalCli, UnknownModelIsAUsageErrorListingChoices) {
  const RunResult r = run("eval --model resnet21 --dataset cifar10 --weights x.th --data-dir /nonexistent");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("resnet20"), std::string::npos) << r.output;
}

TEST(EvalCli, MissingWeightsFileNamesTheFile) {
  const RunResult r =
      run("eval --model resnet20 --dataset cifar10 --weights /nonexistent/w.th --data-dir /nonexistent");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("/nonexistent/w.th"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace faultbench
