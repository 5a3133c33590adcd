// What a `--model` argument names, for every verb: a zoo model ("resnet20") or an ONNX file
// (any path ending in ".onnx", imported by faultbench/onnx/import.h). One function decides,
// so that models, eval, convert, faultlist, campaign and compare agree.
#pragma once
#include <filesystem>
#include <string>

#include "faultbench/graph.h"
#include "faultbench/tensor.h"

namespace faultbench {

struct ModelSource {
  Graph graph;                 // zoo: zero weights; ONNX: its initializers
  std::string name;            // the zoo name, or the ONNX file's name ("resnet20.onnx")
  std::filesystem::path onnx;  // the ONNX file as given; empty for a zoo model
  std::string onnx_sha256;     // of the ONNX file's bytes; "" for a zoo model
  bool is_onnx() const { return !onnx.empty(); }
};

// True when `model` is an ONNX path rather than a zoo name.
bool names_onnx_file(const std::string& model);

// The model's name as records and sidecars keep it: the zoo name, or the ONNX file's name.
std::string model_record_name(const std::string& model);

// UsageError naming the valid choices when `model` is neither an ONNX path nor a zoo model
// of `dataset`; nothing is read (verbs call it before looking for any file).
void check_model_argument(const std::string& model, const std::string& dataset);

// Builds the zoo model, or imports the ONNX file (FormatError/IoError naming the file and
// node); `dataset` is recorded in the graph.
ModelSource resolve_model(const std::string& model, const std::string& dataset);

// Replaces the weights from a checkpoint (safetensors or PyTorch) by name, with the strict
// checks of load_state_dict. For an ONNX model `weights` may be empty: its initializers stay.
void load_model_weights(ModelSource& source, const std::filesystem::path& weights);

// FormatError when the test set's images do not fit the model's input, or it has more
// classes than the model has outputs.
void check_model_fits_data(const ModelSource& source, const ValueShape& images, int max_label,
                           const std::string& dataset);

}  // namespace faultbench
