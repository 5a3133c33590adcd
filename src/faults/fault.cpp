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
  uint16_t word = storage == RoundFormat::Bf16 ? bf16_bits(weight) : fp16_bits(weight);
  switch (model) {
    case FaultModel::BitFlip: word = uint16_t(word ^ mask); break;
    case FaultModel::StuckAt0: word = uint16_t(word & ~mask); break;
    case FaultModel::StuckAt1: word = uint16_t(word | mask); break;
  }
  return storage == RoundFormat::Bf16 ? bf16_from_bits(word) : fp16_from_bits(word);
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
