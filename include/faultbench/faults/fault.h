// Typed permanent weight faults and the fault sites of a model.
//
// A fault targets one bit of one fp32 weight of a conv or linear layer, addressed as in the
// reference lists: PyTorch module name ("layer1.0.conv1") and an index in PyTorch order,
// (out, in, kh, kw) for conv and (out, in) for linear. All fault models are permanent: the
// corrupted weight is used for every image of a campaign.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "faultbench/graph.h"
#include "faultbench/tensor.h"

namespace faultbench {

enum class FaultModel {
  BitFlip,   // weight ^= 1 << bit   (what the reference tools apply)
  StuckAt0,  // weight &= ~(1 << bit)
  StuckAt1,  // weight |= 1 << bit
};

// "bitflip", "stuck-at-0", "stuck-at-1": the spelling of the CLI and of the FaultModel column.
const char* fault_model_name(FaultModel model);
// Inverse of fault_model_name; nullopt for anything else.
std::optional<FaultModel> parse_fault_model(std::string_view text);

// Applies the fault to one fp32 weight. Bit 0 is the least significant bit of the
// IEEE-754 binary32 word, bit 31 the sign. Precondition: 0 <= bit <= 31 (checked: throws).
float apply_fault(float weight, int bit, FaultModel model);
// The same for a weight stored in `numerics`'s format (docs/NUMERICS.md): the fp32-stored
// modes (fp32, tf32, tf32-published) flip the binary32 word, bits 0..31, before any
// rounding; bf16 and fp16 flip their 16-bit encoding, bits 0..15 (0 = LSB), and `weight`
// must be a value of that format (apply_numerics converted it); int8 flips bits 0..7 of the
// two's complement code the weight holds (quantize_int8 wrote it), 7 = sign.
float apply_fault(float weight, int bit, FaultModel model, Numerics numerics);

// Whether parameter `param` of `graph` is the int32 bias of an int8 conv or linear layer
// (quantize_int8: a ParamRole::Bias parameter of an OpKind::Quantized node): a fault site
// named "<layer>.bias", bits 0..31 of the two's complement int32 (docs/NUMERICS.md "int8").
bool is_int32_bias_site(const Graph& graph, int param);
// The fault on element `stored` of parameter `param`: an int32 bias site flips, clears or
// sets bit 0..31 of its int32 code (the parameter's fp32 words hold the codes' bits); any
// other site as apply_fault(stored, bit, model, graph.numerics).
float apply_param_fault(const Graph& graph, int param, float stored, int bit, FaultModel model);

struct FaultSite {
  std::string layer;           // PyTorch module name (state_dict key minus ".weight")
  std::vector<int64_t> index;  // one entry per dimension of the weight, PyTorch order
  int bit = 0;                 // 0..31
  bool operator==(const FaultSite&) const = default;
};

// Published campaign outcome of one fault (the optional result columns of a list).
struct FaultResult {
  int64_t n_injections = 0;  // test images evaluated
  int64_t masked = 0;        // all logits bitwise equal to the golden run
  int64_t non_critical = 0;  // logits differ, top-1 class equal
  int64_t critical = 0;      // top-1 class differs (SDC-1)
  bool operator==(const FaultResult&) const = default;
};

struct Fault {
  int64_t injection = 0;  // the list's row id (column Injection)
  FaultSite site;
  FaultModel model = FaultModel::BitFlip;
  bool operator==(const Fault&) const = default;
};

// A fault list as read from or written to CSV.
struct FaultList {
  std::vector<Fault> faults;
  // Either empty or one entry per fault (a list carries the result columns for all rows or none).
  std::vector<FaultResult> results;
  // 1-based line of each fault in the file it was read from (empty for generated lists);
  // used by validation to name the offending line.
  std::vector<int64_t> lines;
  // Name used in error messages (the file path, or "<generated>").
  std::string source = "<generated>";

  bool has_results() const { return !results.empty(); }
  size_t size() const { return faults.size(); }
};

// A conv or linear weight of a model, in named_parameters() order.
struct WeightSite {
  std::string layer;  // module name, e.g. "features.0"; Keras name in the Keras convention
  Shape shape;        // [out, in, kh, kw] or [out, in] (PyTorch); Keras: [kh, kw, in, out] / [in, out]
  // Bits of one element when they are not the format's (0): 32 for an int8 graph's int32
  // bias sites ("<layer>.bias", shape [out]).
  int bits = 0;
  bool operator==(const WeightSite&) const = default;
};

// The fault sites of a graph: Graph::fault_site_params() with ".weight" stripped.
std::vector<WeightSite> fault_sites(const Graph& graph);
// The int32 bias sites of an int8 graph (quantize_int8; none for other graphs), named
// "<layer>.bias", bits 32, in parameter order: a fault list may name them beside the
// weights (docs/NUMERICS.md "int8", Faults).
std::vector<WeightSite> int32_bias_sites(const Graph& graph);

// Row-major flat offset of `index` in a tensor of `shape`. Ranks and ranges are checked
// with FAULTBENCH_CHECK (an internal error): validate untrusted lists first.
int64_t flat_index(const Shape& shape, const std::vector<int64_t>& index);

// Total number of weights (W) over the sites.
int64_t total_weights(const std::vector<WeightSite>& sites);

}  // namespace faultbench
