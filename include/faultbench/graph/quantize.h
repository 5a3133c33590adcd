// --numerics int8: post-training quantization of a zoo graph (docs/NUMERICS.md "int8").
// Two steps, both pure functions of their inputs:
//   calibrate_int8  runs the fp32 graph on the calibration images and records, per value,
//                   the largest |x| (the per-tensor activation ranges);
//   quantize_int8   rewrites the graph: batch norm folded into the conv before it, conv and
//                   linear weights quantized per output channel (symmetric int8, the codes
//                   replace the weight parameter's values, so faults flip their bits),
//                   int32 biases, activation codes with per-tensor scales, ReLUs fused into
//                   their producer, the logits dequantized to fp32.
// The graph must be fp32 (apply_numerics not called) with its weights loaded.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "faultbench/graph.h"
#include "faultbench/tensor.h"

namespace faultbench {

struct Int8Calibration {
  int64_t images = 0;          // how many calibration images (K)
  std::vector<float> max_abs;  // per value of the fp32 graph: max |x| over the images
};

// images: [K, C, H, W], normalized as for forward. threads: as ExecutorOptions::threads.
// Throws UsageError when a value is not finite on some image (no scale can represent it).
Int8Calibration calibrate_int8(const Graph& graph, const Tensor& images, int threads);

struct Int8Report {
  std::vector<std::string> layers;  // the quantized conv/linear layers, forward order
  int64_t folded_batch_norms = 0;
  int64_t affine_batch_norms = 0;  // batch norms after no conv (DenseNet): requantized per channel
};

// Rewrites `graph` (fp32, weights loaded) to int8 with `calibration` (from the same graph).
// Parameter indices and names are kept: conv and linear weights hold their int8 codes; a
// layer's int32 bias codes are the parameter "<layer>.bias" (its fp32 bias parameter, or
// one appended for a folded batch norm), whose fp32 words are the codes' bits; batch norm
// parameters are folded in and no longer read (their Param::node becomes -1), except a
// batch norm after no conv, which becomes a per-channel requantization. Throws UsageError
// naming the node when the model has an operator int8 does not cover (supported: conv,
// linear, batch norm, ReLU, max and average pooling without padding, global pooling, add,
// concat, ShortcutA, flatten; the logits must come from a conv or linear layer).
Int8Report quantize_int8(Graph& graph, const Int8Calibration& calibration);

// The fp32 graph (nodes, attributes, parameter names, value shapes) and the calibration's
// max |x| per value, as JSON: what tools/int8_reference.py needs to redo the rewrite.
std::string int8_calibration_json(const Graph& fp32_graph, const Int8Calibration& calibration);

// The scale of a tensor whose largest magnitude is max_abs: fp32(max_abs / 127), or 1 when
// max_abs is 0 (every code is then 0).
float int8_scale(float max_abs);

}  // namespace faultbench
