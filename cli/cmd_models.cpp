// `faultbench models [--dataset D]`: one row per zoo pair with its size figures
// (parameters, conv+linear weights W, MACs per image: the numbers of MODELS.md §0).
// `faultbench models --layers M [--dataset D]`: one row per fault site (conv or linear
// weight) of one model, in named_parameters order, with its fault population.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "commands.h"
#include "faultbench/campaign/model_source.h"
#include "faultbench/onnx/import.h"
#include "faultbench/error.h"
#include "faultbench/faults/activation_sites.h"
#include "faultbench/faults/keras.h"
#include "faultbench/faults/sampling.h"
#include "faultbench/zoo/zoo.h"

namespace faultbench::cli {

namespace {

// Columns padded to their widest cell; the first `text_columns` left-aligned, numbers right.
void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                 size_t text_columns) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) {
    width[c] = header[c].size();
    for (const auto& r : rows) width[c] = std::max(width[c], r[c].size());
  }
  auto print_row = [&](const std::vector<std::string>& r) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c) {
      if (c) line += "  ";
      line += c < text_columns ? fmt::format("{:<{}}", r[c], width[c]) : fmt::format("{:>{}}", r[c], width[c]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::printf("%s\n", line.c_str());
  };
  print_row(header);
  for (const auto& r : rows) print_row(r);
}

// The zoo entry of --layers: the dataset may be left out when the model has only one.
const ModelInfo& layers_model(const std::string& model, const std::string& dataset) {
  if (!dataset.empty()) return find_model(model, dataset);  // UsageError naming the choices
  std::vector<const ModelInfo*> found;
  std::vector<std::string> models;
  for (const ModelInfo& m : zoo_models()) {
    if (m.model == model) found.push_back(&m);
    if (std::find(models.begin(), models.end(), m.model) == models.end()) models.push_back(m.model);
  }
  if (found.empty())
    throw UsageError(
        fmt::format("models --layers: unknown model '{}': valid models are {}", model, fmt::join(models, ", ")));
  if (found.size() > 1) {
    std::vector<std::string> datasets;
    for (const ModelInfo* m : found) datasets.push_back(m->dataset);
    throw UsageError(fmt::format("models --layers {}: the zoo has it for {} (other layer shapes): add --dataset", model,
                                 fmt::join(datasets, ", ")));
  }
  return *found[0];
}

// Population N = W x 32 bits x 2 (stuck-at-0 and -1), Leveugle's and the sampler's; the
// faults of the default list (seed 42, e = 0.01, t = 2.58, p = 0.5) show how it is spread.
void print_layers(const std::string& model, const std::string& dataset) {
  const bool onnx = names_onnx_file(model);
  ModelInfo info;
  if (onnx) {
    info.model = model_record_name(model);
    info.dataset = dataset;
  } else {
    info = layers_model(model, dataset);
  }
  const std::vector<WeightSite> sites =
      fault_sites(onnx ? resolve_model(model, dataset).graph : build_model(info.model, info.dataset));
  const std::vector<WeightSite> keras = keras_sites(sites);
  const SamplePlan plan = plan_sample(sites, SamplingParams{});
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < sites.size(); ++i)
    rows.push_back({sites[i].layer, keras[i].layer, shape_to_string(sites[i].shape),
                    std::to_string(plan.layers[i].weights), std::to_string(plan.layers[i].population),
                    std::to_string(plan.layers[i].faults)});
  int64_t faults = 0;
  for (const LayerAllocation& l : plan.layers) faults += l.faults;
  rows.push_back(
      {"total", "", "", std::to_string(plan.weights), std::to_string(plan.population), std::to_string(faults)});
  std::printf("%s/%s: %zu conv/linear layers in named_parameters order; population = weights x 32 bits x 2\n",
              info.model.c_str(), info.dataset.c_str(), sites.size());
  print_table({"layer", "keras", "shape (PyTorch)", "weights", "population", "faults (default list)"}, rows, 3);
}

// --layers M --target activations: the activation sites in forward order, with the output
// shape of one image; population = values x 32 bits x 2, drawn as for weights.
void print_activation_layers(const std::string& model, const std::string& dataset) {
  const bool onnx = names_onnx_file(model);
  ModelInfo info;
  if (onnx) {
    info.model = model_record_name(model);
    info.dataset = dataset;
  } else {
    info = layers_model(model, dataset);
  }
  const std::vector<WeightSite> sites =
      activation_sites(onnx ? resolve_model(model, dataset).graph : build_model(info.model, info.dataset));
  const SamplePlan plan = plan_sample(sites, SamplingParams{});
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < sites.size(); ++i)
    rows.push_back({sites[i].layer, shape_to_string(sites[i].shape), std::to_string(plan.layers[i].weights),
                    std::to_string(plan.layers[i].population), std::to_string(plan.layers[i].faults)});
  int64_t faults = 0;
  for (const LayerAllocation& l : plan.layers) faults += l.faults;
  rows.push_back({"total", "", std::to_string(plan.weights), std::to_string(plan.population), std::to_string(faults)});
  std::printf(
      "%s/%s: %zu activation layers (conv/linear outputs before batch norm, activation modules) in forward order; "
      "population = values x 32 bits x 2\n",
      info.model.c_str(), info.dataset.c_str(), sites.size());
  print_table({"layer", "output (one image)", "values", "population", "faults (default list)"}, rows, 2);
}

// `faultbench models PATH.onnx`: the imported graph: its nodes, parameters in order, MACs,
// and warnings (BatchNorm folded into Conv) that do not stop anything.
void print_onnx(const std::string& path, const std::string& dataset) {
  const ModelSource source = resolve_model(path, dataset);
  const Graph& g = source.graph;
  std::printf("%s: input %dx%dx%d, %d classes, %zu nodes, %zu parameters and buffers, sha256 %s\n", path.c_str(),
              g.input_shape.c, g.input_shape.h, g.input_shape.w, g.classes, g.nodes.size(), g.params.size(),
              source.onnx_sha256.c_str());
  std::vector<std::vector<std::string>> nodes;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    const ValueShape& o = g.values[size_t(n.output)];
    nodes.push_back({std::to_string(i), op_kind_name(n.kind), n.name.empty() ? "-" : n.name,
                     fmt::format("{}", fmt::join(n.inputs, ",")), fmt::format("{}x{}x{}", o.c, o.h, o.w),
                     std::to_string(g.node_macs(int(i)))});
  }
  std::printf("\nnodes\n");
  print_table({"#", "op", "name", "inputs", "output", "MACs"}, nodes, 4);
  std::vector<std::vector<std::string>> params;
  for (const Param& p : g.params)
    params.push_back({p.name, shape_to_string(p.shape),
                      p.is_fault_site()  ? "fault site"
                      : p.is_parameter() ? "parameter"
                                         : "buffer"});
  std::printf("\nparameters (state_dict order)\n");
  print_table({"name", "shape", "kind"}, params, 3);
  std::printf("\nparameters: %lld  conv+linear weights: %lld  layers: %zu  MACs/image: %lld\n",
              static_cast<long long>(g.parameter_count()), static_cast<long long>(g.fault_site_weight_count()),
              g.fault_site_params().size(), static_cast<long long>(g.macs_per_image()));
  for (const std::string& w : onnx_graph_warnings(g)) std::fprintf(stderr, "models: WARNING: %s\n", w.c_str());
}

void print_models(const std::string& dataset_filter) {
  const std::vector<std::string> header = {
      "dataset", "model", "input", "classes", "parameters", "conv+linear weights", "layers", "MACs/image"};
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

  // Text columns (dataset, model, input) left-aligned, numbers right-aligned.
  print_table(header, rows, 3);
}
}  // namespace

void add_models_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("models", "List the model zoo: input, classes, parameters, weights, MACs");
  auto dataset = std::make_shared<std::string>();
  auto layers = std::make_shared<std::string>();
  auto onnx = std::make_shared<std::string>();
  auto target = std::make_shared<std::string>("weights");
  cmd->add_option("MODEL", *onnx, "an ONNX file (PATH.onnx): print its imported graph, parameters and MACs");
  cmd->add_option("--dataset", *dataset, "Only this dataset (cifar10, cifar100, gtsrb)");
  auto* layers_opt = cmd->add_option(
      "--layers", *layers, "List this model's conv/linear layers: shape, weights, fault population (weights x 32 x 2)");
  cmd->add_option("--target", *target,
                  "with --layers: weights (default) or activations (output values of conv/linear/activation layers)")
      ->check(CLI::IsMember({"weights", "activations"}))
      ->needs(layers_opt);
  cmd->callback([dataset, layers, onnx, target] {
    if (!onnx->empty()) {
      if (!names_onnx_file(*onnx))
        throw UsageError("models " + *onnx +
                         ": not an ONNX file (PATH.onnx); the zoo: `faultbench models`, "
                         "one model's layers: --layers NAME");
      print_onnx(*onnx, *dataset);
    } else if (layers->empty())
      print_models(*dataset);
    else if (*target == "activations")
      print_activation_layers(*layers, *dataset);
    else
      print_layers(*layers, *dataset);
  });
}

}  // namespace faultbench::cli
