#include "faultbench/faults/fault.h"

#include <bit>

#include "faultbench/error.h"

namespace faultbench {

const char* fault_model_name(FaultModel model) {
  switch (model) {
    case FaultModel::BitFlip: return "bitflip";
    case FaultModel::StuckAt0: return "stuck-at-0";
    case FaultModel::StuckAt1: return "stuck-at-1";
  }
  return "unknown";
}

std::optional<FaultModel> parse_fault_model(std::string_view text) {
  if (text == "bitflip") return FaultModel::BitFlip;
  if (text == "stuck-at-0") return FaultModel::StuckAt0;
  if (text == "stuck-at-1") return FaultModel::StuckAt1;
  return std::nullopt;
}

float apply_fault(float weight, int bit, FaultModel model) {
  FAULTBENCH_CHECK(bit >= 0 && bit <= 31, "apply_fault: bit " + std::to_string(bit) + " outside 0..31");
  const uint32_t mask = uint32_t(1) << bit;
  uint32_t word = std::bit_cast<uint32_t>(weight);
  switch (model) {
    case FaultModel::BitFlip: word ^= mask; break;
    case FaultModel::StuckAt0: word &= ~mask; break;
    case FaultModel::StuckAt1: word |= mask; break;
  }
  return std::bit_cast<float>(word);
}

namespace {
// The stored 16-bit word of a weight that is a value of the format. fp16_bits converts any
// fp32 value and so quiets a NaN; but a flip can leave a signalling fp16 NaN in a weight
// (0x7c00 ^ bit 0), and the next bit of the same multi-bit fault must flip that word, not
// its quieted form (else flipping bit 14 after bit 0 of Inf gives 0x3e01, not 0x3c01).
uint16_t stored_word(RoundFormat storage, float weight) {
  if (storage == RoundFormat::Bf16) return bf16_bits(weight);
  const uint32_t u = std::bit_cast<uint32_t>(weight);
  if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu) != 0 && (u & 0x1fffu) == 0)
    return uint16_t(((u >> 16) & 0x8000u) | 0x7c00u | ((u >> 13) & 0x3ffu));  // an fp16 NaN, exactly
  return fp16_bits(weight);
}
}  // namespace

float apply_fault(float weight, int bit, FaultModel model, Numerics numerics) {
  if (numerics == Numerics::Int8) {  // the two's complement int8 code the weight holds
    FAULTBENCH_CHECK(bit >= 0 && bit <= 7, "apply_fault: bit " + std::to_string(bit) + " outside 0..7");
    const uint8_t mask = uint8_t(1u << bit);
    uint8_t word = uint8_t(int8_t(int32_t(weight)));
    switch (model) {
      case FaultModel::BitFlip: word = uint8_t(word ^ mask); break;
      case FaultModel::StuckAt0: word = uint8_t(word & ~mask); break;
      case FaultModel::StuckAt1: word = uint8_t(word | mask); break;
    }
    return float(int8_t(word));
  }
  const RoundFormat storage = weight_storage_format(numerics);
  if (storage == RoundFormat::None) return apply_fault(weight, bit, model);
  FAULTBENCH_CHECK(bit >= 0 && bit <= 15, "apply_fault: bit " + std::to_string(bit) + " outside 0..15");
  const uint16_t mask = uint16_t(1u << bit);
  uint16_t word = stored_word(storage, weight);
  switch (model) {
    case FaultModel::BitFlip: word = uint16_t(word ^ mask); break;
    case FaultModel::StuckAt0: word = uint16_t(word & ~mask); break;
    case FaultModel::StuckAt1: word = uint16_t(word | mask); break;
  }
  return storage == RoundFormat::Bf16 ? bf16_from_bits(word) : fp16_from_bits(word);
}

bool is_int32_bias_site(const Graph& graph, int param) {
  if (graph.numerics != Numerics::Int8 || param < 0 || size_t(param) >= graph.params.size()) return false;
  const Param& p = graph.params[size_t(param)];
  return p.role == ParamRole::Bias && p.node >= 0 && size_t(p.node) < graph.nodes.size() &&
         graph.nodes[size_t(p.node)].kind == OpKind::Quantized;
}

float apply_param_fault(const Graph& graph, int param, float stored, int bit, FaultModel model) {
  // The word is the int32's (bit_cast), so the fp32 word's flip is the int32's.
  if (is_int32_bias_site(graph, param)) return apply_fault(stored, bit, model);
  return apply_fault(stored, bit, model, graph.numerics);
}

std::vector<WeightSite> int32_bias_sites(const Graph& graph) {
  std::vector<WeightSite> sites;
  for (size_t i = 0; i < graph.params.size(); ++i)
    if (is_int32_bias_site(graph, int(i))) sites.push_back(WeightSite{graph.params[i].name, graph.params[i].shape, 32});
  return sites;
}

std::vector<WeightSite> fault_sites(const Graph& graph) {
  std::vector<WeightSite> sites;
  static const std::string kSuffix = ".weight";
  for (int i : graph.fault_site_params()) {
    const Param& p = graph.params[size_t(i)];
    std::string layer = p.name;
    if (layer.size() > kSuffix.size() && layer.ends_with(kSuffix)) layer.resize(layer.size() - kSuffix.size());
    sites.push_back(WeightSite{std::move(layer), p.shape});
  }
  return sites;
}

int64_t flat_index(const Shape& shape, const std::vector<int64_t>& index) {
  FAULTBENCH_CHECK(shape.size() == index.size(), "flat_index: rank mismatch");
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    FAULTBENCH_CHECK(index[d] >= 0 && index[d] < shape[d], "flat_index: index out of range");
    flat = flat * shape[d] + index[d];
  }
  return flat;
}

int64_t total_weights(const std::vector<WeightSite>& sites) {
  int64_t w = 0;
  for (const WeightSite& s : sites) w += numel(s.shape);
  return w;
}

}  // namespace faultbench
