// `faultbench models [--dataset D]`: one row per zoo pair with its size figures
// (parameters, conv+linear weights W, MACs per image: the numbers of MODELS.md §0).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.h"
#include "faultbench/error.h"
#include "faultbench/zoo/zoo.h"

namespace faultbench::cli {

namespace {
void print_models(const std::string& dataset_filter) {
  const std::vector<std::string> header = {"dataset", "model", "input", "classes", "parameters",
                                           "conv+linear weights", "layers", "MACs/image"};
  std::vector<std::vector<std::string>> rows;
  for (const ModelInfo& m : zoo_models()) {
    if (!dataset_filter.empty() && m.dataset != dataset_filter) continue;
    const Graph g = build_model(m.model, m.dataset);
    rows.push_back({m.dataset, m.model, fmt::format("{}x{}x{}", m.input.c, m.input.h, m.input.w),
                    std::to_string(m.classes), std::to_string(g.parameter_count()),
                    std::to_string(g.fault_site_weight_count()), std::to_string(g.fault_site_params().size()),
                    std::to_string(g.macs_per_image())});
  }
  if (rows.empty())
    throw UsageError("models: unknown dataset '" + dataset_filter + "': valid datasets are cifar10, cifar100, gtsrb");

  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) {
    width[c] = header[c].size();
    for (const auto& r : rows) width[c] = std::max(width[c], r[c].size());
  }
  // Text columns (dataset, model, input) left-aligned, numbers right-aligned.
  auto print_row = [&](const std::vector<std::string>& r) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c) {
      if (c) line += "  ";
      line += c < 3 ? fmt::format("{:<{}}", r[c], width[c]) : fmt::format("{:>{}}", r[c], width[c]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::printf("%s\n", line.c_str());
  };
  print_row(header);
  for (const auto& r : rows) print_row(r);
}
}  // namespace

void add_models_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("models", "List the model zoo: input, classes, parameters, weights, MACs");
  auto dataset = std::make_shared<std::string>();
  cmd->add_option("--dataset", *dataset, "Only this dataset (cifar10, cifar100, gtsrb)");
  cmd->callback([dataset] { print_models(*dataset); });
}

}  // namespace faultbench::cli
