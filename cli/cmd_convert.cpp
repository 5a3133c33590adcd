// `faultbench convert --model M --dataset D --weights IN --out OUT.safetensors`:
// reads any supported checkpoint, checks it strictly against the zoo graph (so the output
// is known to load), and writes it as safetensors in state_dict order.
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "commands.h"
#include "faultbench/campaign/model_source.h"
#include "faultbench/error.h"
#include "faultbench/io/checkpoint.h"
#include "faultbench/io/safetensors.h"
#include "faultbench/util/output_paths.h"
#include "faultbench/zoo/zoo.h"

namespace faultbench::cli {
namespace {

struct ConvertOptions {
  std::string model, dataset, weights, out;
};

void run_convert(const ConvertOptions& o) {
  IoPlan plan;
  check_model_argument(o.model, o.dataset);
  if (names_onnx_file(o.model)) plan.input("--model", o.model);
  if (!o.weights.empty()) plan.input("--weights", o.weights);
  plan.output("--out", o.out);
  plan.check();
  if (o.weights.empty() && !names_onnx_file(o.model))
    throw UsageError("convert: --weights is required for a zoo model");
  ModelSource model = resolve_model(o.model, o.dataset);
  Graph& graph = model.graph;
  // An ONNX model's own initializers are converted when --weights is not given.
  StateDict sd;
  sd.source = o.weights.empty() ? o.model : o.weights;
  sd.format = "onnx";
  if (!o.weights.empty()) {
    sd = read_checkpoint(o.weights, graph);  // reads only what the model needs
    load_state_dict(graph, sd);
  }
  const std::map<std::string, std::string> metadata = {
      {"format", "pt"},  // what the safetensors Python API expects for PyTorch tensors
      {"model", model.name},
      {"dataset", o.dataset},
      {"source", std::filesystem::path(o.weights.empty() ? o.model : o.weights).filename().string()},
      {"source_format", sd.format},
      {"producer", std::string("faultbench ") + FAULTBENCH_VERSION},
  };
  write_safetensors(graph, o.out, metadata);
  std::printf("converted %s (%s, %zu tensors) -> %s: %zu tensors, %lld parameters, model %s, dataset %s\n",
              sd.source.c_str(), sd.format.c_str(), sd.entries.size(), o.out.c_str(), graph.params.size(),
              static_cast<long long>(graph.parameter_count()), o.model.c_str(), o.dataset.c_str());
}

}  // namespace

void add_convert_command(CLI::App& app) {
  auto opts = std::make_shared<ConvertOptions>();
  auto* cmd = app.add_subcommand("convert", "Check a checkpoint against a zoo model and write it as safetensors");
  cmd->add_option("--model", opts->model, "zoo model name (see `faultbench models`) or an ONNX file (PATH.onnx)")
      ->required();
  cmd->add_option("--dataset", opts->dataset, "cifar10 | cifar100 | gtsrb")->required();
  cmd->add_option("--weights", opts->weights,
                  "input checkpoint (.th, .pt/.pth, .safetensors); optional for an ONNX model (its initializers)");
  cmd->add_option("--out", opts->out, "output .safetensors file")->required();
  cmd->callback([opts] { run_convert(*opts); });
}

}  // namespace faultbench::cli
