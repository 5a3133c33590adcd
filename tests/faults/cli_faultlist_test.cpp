// `faultbench faultlist` end to end: the built binary against the published files.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>

#include "fault_fixtures.h"
#include "faultbench/faults/fault_list_csv.h"
#include "faultbench/util/atomic_file.h"
#include "test_support.h"

namespace faultbench {
namespace {

namespace fs = std::filesystem;

struct CliResult {
  int exit_code = -1;
  std::string err;  // stderr
};

CliResult run_cli(const std::string& args, const fs::path& dir) {
  const fs::path err = dir / "stderr.txt";
  const std::string cmd = testing::cli_path().string() + " " + args + " 2>" + err.string() + " >/dev/null";
  const int status = std::system(cmd.c_str());
  return CliResult{WIFEXITED(status) ? WEXITSTATUS(status) : -1, testing::read_text(err)};
}

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

TEST(FaultlistCli, RegeneratesEveryPublishedTorchList) {
  FAULTBENCH_REQUIRE_DATA(data);
  const fs::path dir = testing::make_temp_dir("faults-cli");
  for (const auto& pub : testing::published_lists()) {
    SCOPED_TRACE(pub.model + "/" + pub.dataset);
    const fs::path out = dir / "gen.csv";
    CliResult r = run_cli("faultlist --model " + pub.model + " --dataset " + pub.dataset + " --out " + q(out), dir);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const fs::path published = testing::torch_list_path(data, pub);
    if (pub.torch_file == "ResNet20_FL.csv" && pub.dir == "CIFAR10") {
      // Result columns and the hand-edited row 2 (bit 30 there, 13 drawn) aside, identical.
      FaultList expected = read_fault_list(published);
      expected.results.clear();
      ASSERT_EQ(expected.faults[2].site.bit, 30);
      expected.faults[2].site.bit = 13;
      EXPECT_EQ(testing::read_text(out), format_fault_list(expected));
    } else {
      EXPECT_EQ(testing::read_text(out), testing::read_text(published));
    }
  }
  fs::remove_all(dir);
}

TEST(FaultlistCli, ConvertsEveryPublishedListToKerasAndBack) {
  FAULTBENCH_REQUIRE_DATA(data);
  const fs::path dir = testing::make_temp_dir("faults-cli-convert");
  for (const auto& pub : testing::published_lists()) {
    SCOPED_TRACE(pub.model + "/" + pub.dataset);
    const std::string model = " --model " + pub.model + " --dataset " + pub.dataset;
    CliResult r = run_cli("faultlist --convert " + q(testing::torch_list_path(data, pub)) + " --to keras" + model +
                              " --out " + q(dir / "k.csv"),
                          dir);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(testing::read_text(dir / "k.csv"), testing::read_text(testing::keras_list_path(data, pub)));
    r = run_cli("faultlist --convert " + q(testing::keras_list_path(data, pub)) + " --to torch" + model + " --out " +
                    q(dir / "t.csv"),
                dir);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    FaultList torch = read_fault_list(testing::torch_list_path(data, pub));
    torch.results.clear();  // the Keras lists have no result columns
    EXPECT_EQ(testing::read_text(dir / "t.csv"), format_fault_list(torch));
  }
  fs::remove_all(dir);
}

TEST(FaultlistCli, KerasFormatAndSummaryOnStderr) {
  FAULTBENCH_REQUIRE_DATA(data);
  const fs::path dir = testing::make_temp_dir("faults-cli-keras");
  CliResult r =
      run_cli("faultlist --model densenet161 --dataset cifar10 --format keras --out " + q(dir / "d.csv"), dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::read_text(dir / "d.csv"),
            testing::read_text(data / "faultlists/tensorflow/CIFAR10/DenseNet161_TF_FL.csv"));
  EXPECT_NE(r.err.find("weights W = 26262624, population N = W x 32 x 2 = 1680807936"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sample size n = 16641"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("  classifier: 22080 -> 14"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sampling took"), std::string::npos) << r.err;
  std::printf("%s", r.err.substr(r.err.find("wrote")).c_str());
  fs::remove_all(dir);
}

TEST(FaultlistCli, LayerScopeCountAndStuckAt) {
  const fs::path dir = testing::make_temp_dir("faults-cli-scope");
  CliResult r = run_cli(
      "faultlist --model resnet20 --dataset cifar10 --scope layer --count 5 --seed 3 "
      "--fault-model stuck-at-1 --out " +
          q(dir / "l.csv"),
      dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const FaultList list = read_fault_list(dir / "l.csv");
  ASSERT_EQ(list.size(), 20u * 5u);  // 20 conv/linear layers, 5 faults each
  EXPECT_EQ(list.faults[0].site.layer, "conv1");
  EXPECT_EQ(list.faults[99].site.layer, "linear");
  for (const Fault& f : list.faults) EXPECT_EQ(f.model, FaultModel::StuckAt1);
  EXPECT_EQ(testing::read_text(dir / "l.csv").substr(0, 45), "Injection,Layer,TensorIndex,Bit,FaultModel\n0,");
  EXPECT_NE(r.err.find("scope layer (--count per layer), faults drawn = 100"), std::string::npos) << r.err;

  // Default Leveugle per layer: conv1 (432 weights, N = 27,648) gets n = round(10388.60) = 10389.
  r = run_cli("faultlist --model resnet20 --dataset cifar10 --scope layer --out " + q(dir / "l2.csv"), dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("  conv1: 432 -> 10389"), std::string::npos) << r.err;
  fs::remove_all(dir);
}

TEST(FaultlistCli, UsageAndValidationErrors) {
  const fs::path dir = testing::make_temp_dir("faults-cli-errors");
  CliResult r = run_cli("faultlist --model resnet99 --dataset cifar10 --out " + q(dir / "x.csv"), dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("resnet99"), std::string::npos) << r.err;
  r = run_cli("faultlist --model resnet20 --dataset cifar10 --error 2 --out " + q(dir / "x.csv"), dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--error 2: must be in (0, 1)"), std::string::npos) << r.err;
  r = run_cli("faultlist --model resnet20 --dataset cifar10 --scope weird --out " + q(dir / "x.csv"), dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(fs::exists(dir / "x.csv"));

  // A list that fails validation is rejected whole: error naming file, line and rule; no output.
  write_file_atomically(dir / "bad.csv",
                        "Injection,Layer,TensorIndex,Bit\n0,conv1,\"(3, 0, 2, 1)\",15\n"
                        "1,conv1,\"(16, 0, 2, 1)\",15\n");
  r = run_cli("faultlist --convert " + q(dir / "bad.csv") + " --to keras --model resnet20 --dataset cifar10 --out " +
                  q(dir / "out.csv"),
              dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.csv:3: index (16, 0, 2, 1) out of range"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out.csv"));
  // --convert without --to, and generation options with --convert, are usage errors.
  r = run_cli(
      "faultlist --convert " + q(dir / "bad.csv") + " --model resnet20 --dataset cifar10 --out " + q(dir / "out.csv"),
      dir);
  EXPECT_EQ(r.exit_code, 2);
  r = run_cli("faultlist --convert " + q(dir / "bad.csv") +
                  " --to torch --seed 3 --model resnet20 --dataset cifar10 "
                  "--out " +
                  q(dir / "out.csv"),
              dir);
  EXPECT_EQ(r.exit_code, 2);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace faultbench
