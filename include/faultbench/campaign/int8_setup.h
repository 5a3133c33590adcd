// --numerics int8 for eval and campaign: calibration on a fixed, recorded image set, then
// quantize_int8 (faultbench/graph/quantize.h, docs/NUMERICS.md "int8").
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>

#include "faultbench/faults/fault.h"
#include "faultbench/graph.h"
#include "faultbench/graph/quantize.h"

namespace faultbench {

// Default K: the first 100 test images.
inline constexpr int64_t kDefaultCalibrationImages = 100;

struct Int8Setup {
  int64_t images = 0;  // K actually used (min(K, test-set size))
  std::string sha256;  // ImageSet::sha256() of the calibration images
  Int8Report report;
  // A quantized ONNX model's own scales: "the scales of the quantized model (sha256 ...)"
  // (then images = 0 and sha256 is the model file's).
  bool from_model = false;
  // "first K test images of DATASET (sha256 ...)": the binding's and sidecar's record.
  std::string describe() const;
};

// The int32 bias sites ("<layer>.bias", bits 32, fault_sites()) that quantize_int8 gives
// this fp32 graph, in graph order: its conv and linear layers with a bias or a folded batch
// norm. They do not depend on the calibration or the weights' values (faultlist
// --int8-biases draws them without data; here, not in faults/, because it runs quantize_int8). UsageError as
// quantize_int8 for a model int8 does not cover. A graph already int8 (a quantized ONNX model): its own bias sites.
std::vector<WeightSite> int8_bias_sites(const Graph& fp32_graph);

// Loads the first `k` images of `dataset`'s test set (the whole file validated as for any
// run), calibrates the fp32 `graph` on them and quantizes it. k must be positive
// (UsageError otherwise, naming --calibration-images).
// calibration_json, when not null, receives int8_calibration_json of the fp32 graph.
// A graph imported quantized (a QDQ / QLinear ONNX model: numerics already Int8) runs int8
// with the weights and scales the file gives; nothing is calibrated. UsageError naming
// `model` when `numerics` is not int8, or when `foreign_option` (an option given that would
// calibrate or replace them: "--calibration-images", "--weights"; empty: none) is not empty.
// A float graph passes.
void check_quantized_model_use(const Graph& graph, Numerics numerics, const std::string& model,
                               const std::string& foreign_option);
Int8Setup int8_from_model(const Graph& graph, const std::string& model_sha256);

Int8Setup quantize_with_test_images(Graph& graph, const std::string& dataset, const std::filesystem::path& data_dir,
                                    int64_t k, int threads, std::string* calibration_json = nullptr);

}  // namespace faultbench
