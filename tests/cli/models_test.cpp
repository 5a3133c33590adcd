// `faultbench models --layers M`: the fault sites of one model and their population.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"

namespace faultbench {
namespace {

using CliRun = testing::ShellRun;
CliRun run_cli(const std::string& args) { return testing::run_faultbench(args); }

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(ModelsCli, LayersListsEverySiteWithItsPopulation) {
  const CliRun r = run_cli("models --layers resnet20 --dataset cifar10");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> l = lines(r.out);
  ASSERT_EQ(l.size(), 2u + 20u + 1u) << r.out;  // title, header, 20 layers, total
  EXPECT_EQ(l[0],
            "resnet20/cifar10: 20 conv/linear layers in named_parameters order; population = weights x 32 "
            "bits x 2");
  EXPECT_EQ(l[1], "layer           keras      shape (PyTorch)  weights  population  faults (default list)");
  EXPECT_EQ(l[2], "conv1           conv2d     [16, 3, 3, 3]        432       27648                     27");
  EXPECT_EQ(l[21], "linear          dense      [10, 64]             640       40960                     40");
  // The totals of `faultbench models` (W) and of the published list (16,627 faults).
  EXPECT_EQ(l[22], "total                                        268336    17173504                  16627");
  // Every layer: population = weights x 64.
  for (size_t i = 2; i < l.size(); ++i) {
    std::istringstream row(l[i].substr(l[i].find(']') == std::string::npos ? 5 : l[i].find(']') + 1));
    int64_t weights = 0, population = 0;
    row >> weights >> population;
    EXPECT_EQ(population, weights * 64) << l[i];
  }
}

TEST(ModelsCli, LayersNeedsTheDatasetOnlyWhenTheModelHasSeveral) {
  EXPECT_EQ(run_cli("models --layers mobilenetv2").exit_code, 0);
  CliRun r = run_cli("models --layers resnet20");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "faultbench: error: models --layers resnet20: the zoo has it for cifar10, gtsrb (other layer shapes): add "
            "--dataset\n");
  r = run_cli("models --layers resnet21");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("faultbench: error: models --layers: unknown model 'resnet21': valid models are resnet20, ", 0),
            0u)
      << r.err;
  // GTSRB's resnet20 has 43 classes.
  r = run_cli("models --layers resnet20 --dataset gtsrb");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\nlinear          dense      [43, 64]"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace faultbench
