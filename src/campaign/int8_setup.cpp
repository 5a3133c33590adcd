// --numerics int8: the calibration set and the rewrite (faultbench/campaign/int8_setup.h).
#include "faultbench/campaign/int8_setup.h"

#include <variant>

#include <fmt/format.h>

#include "faultbench/data/image_selection.h"
#include "faultbench/error.h"

namespace faultbench {

std::string Int8Setup::describe() const {
  if (from_model) return fmt::format("the scales of the quantized model (sha256 {})", sha256);
  return fmt::format("first {} test images (sha256 {})", images, sha256);
}

void check_quantized_model_use(const Graph& graph, Numerics numerics, const std::string& model,
                               const std::string& foreign_option) {
  if (graph.numerics != Numerics::Int8) return;
  if (numerics != Numerics::Int8)
    throw UsageError(
        fmt::format("{}: a quantized model (int8 weights and scales in the file) runs with --numerics "
                    "int8, not --numerics {}",
                    model, numerics_name(numerics)));
  if (!foreign_option.empty())
    throw UsageError(
        fmt::format("{}: {} does not apply: a quantized model runs with the int8 weights and scales "
                    "in the file (nothing is calibrated or replaced)",
                    model, foreign_option));
}

Int8Setup int8_from_model(const Graph& graph, const std::string& model_sha256) {
  Int8Setup s;
  s.from_model = true;
  s.sha256 = model_sha256;
  for (const Node& n : graph.nodes)
    if (n.kind == OpKind::Quantized && std::get<QuantizedAttrs>(n.attrs).op == QuantOp::Conv)
      s.report.layers.push_back(n.name);
  return s;
}

Int8Setup quantize_with_test_images(Graph& graph, const std::string& dataset, const std::filesystem::path& data_dir,
                                    int64_t k, int threads, std::string* calibration_json) {
  if (k <= 0) throw UsageError(fmt::format("--calibration-images must be a positive number of test images, got {}", k));
  // The first K of the file, whatever images the run itself selects: the scales are a
  // function of the model and the data set alone, so every run over the set agrees.
  ImageSelection first;
  first.kind = ImageSelectionKind::First;
  first.count = k;
  const SelectedImages cal = load_selected_images(dataset, data_dir, first);
  if (cal.images.size() == 0) throw UsageError("--numerics int8: the test set is empty: nothing to calibrate on");
  Tensor batch({cal.images.size(), cal.images.shape.c, cal.images.shape.h, cal.images.shape.w});
  cal.images.normalize(0, cal.images.size(), batch.ptr());
  Int8Setup s;
  s.images = cal.images.size();
  s.sha256 = cal.images.sha256();
  const Int8Calibration calibration = calibrate_int8(graph, batch, threads);
  if (calibration_json) *calibration_json = int8_calibration_json(graph, calibration);
  s.report = quantize_int8(graph, calibration);
  return s;
}

std::vector<WeightSite> int8_bias_sites(const Graph& fp32_graph) {
  // A graph already int8 (a quantized ONNX model) has its bias parameters.
  if (fp32_graph.numerics == Numerics::Int8) return int32_bias_sites(fp32_graph);
  // Which layers get an int32 bias is a matter of the graph's shape alone: any calibration
  // and any finite weights give the same sites.
  Graph g = fp32_graph;
  for (Param& p : g.params) p.value = Tensor(p.shape);  // zeros (a graph may come without its weights)
  Int8Calibration neutral;
  neutral.max_abs.assign(g.values.size(), 1.0f);
  quantize_int8(g, neutral);
  return int32_bias_sites(g);
}

}  // namespace faultbench
