// `faultbench models`: one row per zoo pair, figures equal to the built graphs.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <sstream>

#include "faultbench/zoo/zoo.h"
#include "test_support.h"

namespace faultbench {
namespace {

// Runs a shell command; returns (exit status, stdout).
std::pair<int, std::string> run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {-1, ""};
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::vector<std::vector<std::string>> split_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    std::vector<std::string> cells;
    for (std::string c; ls >> c;) cells.push_back(c);
    rows.push_back(cells);
  }
  return rows;
}

TEST(ModelsCommand, OneRowPerPairWithSpecFigures) {
  auto [rc, out] = run(testing::cli_path().string() + " models");
  ASSERT_EQ(rc, 0) << out;
  const auto rows = split_rows(out);
  ASSERT_EQ(rows.size(), 1 + zoo_models().size()) << out;
  EXPECT_EQ(rows[0].at(0), "dataset");
  for (size_t i = 0; i < zoo_models().size(); ++i) {
    const ModelInfo& m = zoo_models()[i];
    const Graph g = build_model(m.model, m.dataset);
    const std::vector<std::string> want = {
        m.dataset,
        m.model,
        std::to_string(m.input.c) + "x" + std::to_string(m.input.h) + "x" + std::to_string(m.input.w),
        std::to_string(m.classes),
        std::to_string(g.parameter_count()),
        std::to_string(g.fault_site_weight_count()),
        std::to_string(g.fault_site_params().size()),
        std::to_string(g.macs_per_image())};
    EXPECT_EQ(rows[i + 1], want);
  }
  // Spot values from MODELS.md §0 so the test does not only compare the code with itself.
  EXPECT_NE(out.find("269722"), std::string::npos);      // ResNet20 CIFAR10 params
  EXPECT_NE(out.find("2121578240"), std::string::npos);  // DenseNet121 GTSRB MACs
}

TEST(ModelsCommand, DatasetFilterAndBadDataset) {
  auto [rc, out] = run(testing::cli_path().string() + " models --dataset gtsrb");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(split_rows(out).size(), 4u) << out;
  auto [rc2, out2] = run(testing::cli_path().string() + " models --dataset mnist 2>&1");
  EXPECT_EQ(rc2, 2) << out2;
  EXPECT_NE(out2.find("cifar10, cifar100, gtsrb"), std::string::npos) << out2;
}

}  // namespace
}  // namespace faultbench
