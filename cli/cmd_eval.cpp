// faultbench eval: top-1 accuracy of a zoo model with a checkpoint on a test set.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.h"
#include "common.h"
#include "faultbench/campaign/classify.h"
#include "faultbench/campaign/int8_setup.h"
#include "faultbench/campaign/model_source.h"
#include "faultbench/data/dataset.h"
#include "faultbench/data/layout.h"
#include "faultbench/error.h"
#include "faultbench/executor.h"
#include "faultbench/io/checkpoint.h"
#include "faultbench/util/atomic_file.h"
#include "faultbench/graph/numerics_graph.h"
#include "faultbench/util/output_paths.h"
#include "faultbench/util/parallel.h"
#include "faultbench/zoo/zoo.h"

namespace faultbench::cli {
namespace {

struct EvalOptions {
  std::string model, dataset, weights, data_dir, logits_path;
  std::string int8_calibration_path;  // int8: the fp32 graph and its calibration as JSON
  ImageOptions images;
  int threads = 0;
  bool per_class = false;
  Numerics numerics = Numerics::Fp32;
  std::optional<int64_t> calibration_images;  // int8
};

void run_eval(const EvalOptions& o) {
  const int64_t calibration = calibration_images(o.calibration_images, o.numerics);
  const auto data_dir = resolve_data_dir(o.data_dir);
  check_model_argument(o.model, o.dataset);  // an unknown model is a usage error before any file is looked for
  // An ONNX model carries its weights; --weights then replaces them by name.
  const std::filesystem::path weights = !o.weights.empty()         ? std::filesystem::path(o.weights)
                                        : names_onnx_file(o.model) ? std::filesystem::path()
                                                                   : locate_weights(o.model, o.dataset, data_dir);
  IoPlan plan;
  if (names_onnx_file(o.model)) plan.input("--model", o.model);
  if (!weights.empty()) plan.input("--weights", weights);
  add_test_set_inputs(plan, o.dataset, data_dir);
  if (!o.logits_path.empty()) plan.output("--logits", o.logits_path);
  if (!o.int8_calibration_path.empty()) {
    if (o.numerics != Numerics::Int8) throw UsageError("--int8-calibration goes with --numerics int8");
    plan.output("--int8-calibration", o.int8_calibration_path);
  }
  plan.check();

  ModelSource model = resolve_model(o.model, o.dataset);
  check_quantized_model_use(model.graph, o.numerics, o.model,
                            !o.weights.empty()                 ? "--weights"
                            : o.calibration_images             ? "--calibration-images"
                            : !o.int8_calibration_path.empty() ? "--int8-calibration"
                                                               : "");
  load_model_weights(model, weights);
  Graph& graph = model.graph;
  std::string int8_note;
  if (graph.numerics == Numerics::Int8) {
    int8_note = " (scales: the quantized model's own)";
  } else if (o.numerics == Numerics::Int8) {
    std::string json;
    const Int8Setup s = quantize_with_test_images(graph, o.dataset, data_dir, calibration, o.threads,
                                                  o.int8_calibration_path.empty() ? nullptr : &json);
    int8_note = fmt::format(" (calibration: {})", s.describe());
    if (!json.empty()) write_file_atomically(o.int8_calibration_path, json);
  }
  const NumericsReport nr = o.numerics == Numerics::Int8 ? NumericsReport{} : apply_numerics(graph, o.numerics);
  if (nr.overflowed > 0)
    std::fprintf(stderr, "eval: note: %lld parameters overflowed to Inf in the %s conversion (first: %s)\n",
                 static_cast<long long>(nr.overflowed), numerics_name(o.numerics), nr.first_overflow.c_str());
  const ImageSelection selection = image_selection(o.images);
  const SelectedImages selected = load_selected_images(o.dataset, data_dir, selection);
  const ImageSet& set = selected.images;
  if (set.size() == 0) throw UsageError("eval: the test set is empty");
  // npy: the error names the images file; the built-in sets: the ONNX file.
  if (model.is_onnx() && o.dataset != kNpyDataset) check_model_fits_data(model, set.shape, set.classes - 1, o.dataset);
  check_images_fit_model(set, graph.input_shape, graph.classes, data_dir);

  ExecutorOptions eo;
  eo.threads = o.threads;
  Executor executor(graph, eo);
  const int k = graph.classes;
  const int64_t n = set.size();
  const int64_t chunk = 500;  // bounds memory; logits do not depend on it
  std::vector<float> logits(size_t(n) * k);
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t first = 0; first < n; first += chunk) {
    const int64_t count = std::min(chunk, n - first);
    Tensor batch({count, set.shape.c, set.shape.h, set.shape.w});
    set.normalize(first, count, batch.ptr());
    const Tensor out = executor.forward(batch);
    check_golden_logits(out.ptr(), first, count, k, weights.empty() ? o.model : weights.string());
    std::copy(out.data.begin(), out.data.end(), logits.begin() + first * k);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::vector<int64_t> class_total(size_t(k), 0), class_correct(size_t(k), 0);
  int64_t correct = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int label = set.labels[size_t(i)];
    const bool ok = top1_index(&logits[size_t(i * k)], k) == label;
    correct += ok;
    class_total[size_t(label)] += 1;
    class_correct[size_t(label)] += ok;
  }
  std::printf("model: %s  dataset: %s  images: %s  threads: %s%s\n", o.model.c_str(), o.dataset.c_str(),
              describe_images(selection, n).c_str(), describe_threads(o.threads, executor.pool().size()).c_str(),
              o.numerics == Numerics::Fp32
                  ? ""
                  : fmt::format("  numerics: {}{}", numerics_name(o.numerics), int8_note).c_str());
  std::printf("top1: %.2f%%\n", 100.0 * double(correct) / double(n));
  if (o.per_class) {
    for (int c = 0; c < k; ++c) {
      if (class_total[size_t(c)] == 0) continue;
      std::printf("class %3d: %.2f%% (%lld/%lld)\n", c,
                  100.0 * double(class_correct[size_t(c)]) / double(class_total[size_t(c)]),
                  static_cast<long long>(class_correct[size_t(c)]), static_cast<long long>(class_total[size_t(c)]));
    }
  }
  std::printf("throughput: %.1f images/s (%.3f s)\n", double(n) / seconds, seconds);

  if (!o.logits_path.empty()) {
    // One row per image: index (in the test file),label,logit_0..logit_{K-1}, 9 significant digits
    // (enough to round-trip a float).
    std::string text = "index,label";
    for (int c = 0; c < k; ++c) text += fmt::format(",logit_{}", c);
    text += '\n';
    for (int64_t i = 0; i < n; ++i) {
      text += fmt::format("{},{}", selected.indices[size_t(i)], set.labels[size_t(i)]);
      for (int c = 0; c < k; ++c) text += fmt::format(",{:.9g}", logits[size_t(i * k + c)]);
      text += '\n';
    }
    write_file_atomically(o.logits_path, text);
  }
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto opts = std::make_shared<EvalOptions>();
  auto* cmd = app.add_subcommand("eval", "Top-1 accuracy of a model on its test set");
  cmd->add_option("--model", opts->model, "zoo model name (see `faultbench models`) or an ONNX file (PATH.onnx)")
      ->required();
  cmd->add_option("--dataset", opts->dataset, "cifar10 | cifar100 | gtsrb | npy (DIR/images.npy, DIR/labels.npy)")
      ->required();
  cmd->add_option("--weights", opts->weights,
                  "checkpoint (.th, .pt/.pth, .safetensors; default: the reference one in the data root)");
  cmd->add_option("--data-dir", opts->data_dir,
                  "dataset folder (default: $FAULTBENCH_DATA; npy: the folder of the two files)");
  add_image_options(cmd, opts->images);
  add_threads_option(cmd, opts->threads);
  cmd->add_option("--logits", opts->logits_path, "write per-image logits to this CSV file");
  cmd->add_flag("--per-class", opts->per_class, "also print per-class accuracy");
  add_numerics_option(cmd, opts->numerics, "arithmetic of the network (docs/NUMERICS.md; default fp32)");
  add_calibration_option(cmd, opts->calibration_images);
  cmd->add_option("--int8-calibration", opts->int8_calibration_path,
                  "int8: write the fp32 graph and its calibration (max |x| per value) as JSON "
                  "(tools/int8_reference.py)");
  cmd->callback([opts] { run_eval(*opts); });
}

}  // namespace faultbench::cli
