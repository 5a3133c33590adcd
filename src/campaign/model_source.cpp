#include "faultbench/campaign/model_source.h"

#include <fmt/format.h>

#include "faultbench/error.h"
#include "faultbench/io/checkpoint.h"
#include "faultbench/onnx/import.h"
#include "faultbench/campaign/hashing.h"
#include "faultbench/zoo/zoo.h"

namespace faultbench {

bool names_onnx_file(const std::string& model) { return is_onnx_model_path(model); }

std::string model_record_name(const std::string& model) {
  return names_onnx_file(model) ? std::filesystem::path(model).filename().string() : model;
}

void check_model_argument(const std::string& model, const std::string& dataset) {
  if (!names_onnx_file(model)) find_model(model, dataset);
}

ModelSource resolve_model(const std::string& model, const std::string& dataset) {
  ModelSource s;
  s.name = model_record_name(model);
  if (!names_onnx_file(model)) {
    s.graph = build_model(model, dataset);
    return s;
  }
  s.onnx = model;
  OnnxImportOptions options;
  options.dataset = dataset;
  s.graph = import_onnx(s.onnx, options);
  const ValueShape out = s.graph.values.at(size_t(s.graph.output_value));
  if (out.h != 1 || out.w != 1)
    throw FormatError(
        fmt::format("{}: the output has shape [{}, {}, {}] per image; faultbench classifies logits "
                    "[N, K]",
                    model, out.c, out.h, out.w));
  // Digested after the import: a file that does not import is reported as such.
  s.onnx_sha256 = sha256_file(s.onnx);
  return s;
}

void load_model_weights(ModelSource& source, const std::filesystem::path& weights) {
  if (weights.empty()) {
    FAULTBENCH_CHECK(source.is_onnx(), "a zoo model needs --weights");
    return;
  }
  const StateDict sd = read_checkpoint(weights, source.graph);  // reads only what the model needs
  load_state_dict(source.graph, sd);
}

void check_model_fits_data(const ModelSource& source, const ValueShape& images, int max_label,
                           const std::string& dataset) {
  const ValueShape& in = source.graph.input_shape;
  if (!(in == images))
    throw FormatError(fmt::format("{}: the model's input is {}x{}x{}, the {} images are {}x{}x{}",
                                  source.onnx.empty() ? source.name : source.onnx.string(), in.c, in.h, in.w, dataset,
                                  images.c, images.h, images.w));
  if (max_label >= source.graph.classes)
    throw FormatError(fmt::format("{}: the model has {} outputs, the {} labels go up to {}",
                                  source.onnx.empty() ? source.name : source.onnx.string(), source.graph.classes,
                                  dataset, max_label));
}

}  // namespace faultbench
