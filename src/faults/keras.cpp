#include "faultbench/faults/keras.h"

#include <fmt/format.h>

#include <string>
#include <unordered_map>

#include "faultbench/error.h"

namespace faultbench {

namespace {

std::string keras_name(const char* base, int k) { return k == 0 ? std::string(base) : fmt::format("{}_{}", base, k); }

// Renames layers from one convention's names to the other's and permutes the indices.
FaultList convert(const FaultList& in, const std::vector<WeightSite>& from, const std::vector<WeightSite>& to,
                  bool to_keras_order) {
  FAULTBENCH_CHECK(from.size() == to.size(), "keras convert: site lists differ in length");
  std::unordered_map<std::string, size_t> by_name;
  for (size_t i = 0; i < from.size(); ++i) by_name.emplace(from[i].layer, i);
  FaultList out = in;
  for (size_t i = 0; i < out.faults.size(); ++i) {
    FaultSite& site = out.faults[i].site;
    auto it = by_name.find(site.layer);
    if (it == by_name.end()) {
      const std::string line = i < in.lines.size() ? std::to_string(in.lines[i]) : "fault " + std::to_string(i);
      throw FormatError(fmt::format("{}:{}: unknown layer '{}'", in.source, line, site.layer));
    }
    site.layer = to[it->second].layer;
    site.index = to_keras_order ? keras_index(site.index) : torch_index(site.index);
  }
  return out;
}

}  // namespace

std::vector<WeightSite> keras_sites(const std::vector<WeightSite>& torch_sites) {
  std::vector<WeightSite> out;
  int convs = 0, denses = 0;
  for (const WeightSite& s : torch_sites) {
    if (s.bits != 0) continue;  // an int8 graph's int32 bias sites (after its weights): Keras names weights only
    if (s.shape.size() == 4)
      out.push_back(WeightSite{keras_name("conv2d", convs++), {s.shape[2], s.shape[3], s.shape[1], s.shape[0]}});
    else if (s.shape.size() == 2)
      out.push_back(WeightSite{keras_name("dense", denses++), {s.shape[1], s.shape[0]}});
    else
      throw UsageError(fmt::format("layer '{}': weight of rank {} has no Keras counterpart", s.layer, s.shape.size()));
  }
  return out;
}

std::vector<int64_t> keras_index(const std::vector<int64_t>& t) {
  if (t.size() == 4) return {t[2], t[3], t[1], t[0]};
  if (t.size() == 2) return {t[1], t[0]};
  return t;  // other ranks are rejected by validation
}

std::vector<int64_t> torch_index(const std::vector<int64_t>& k) {
  if (k.size() == 4) return {k[3], k[2], k[0], k[1]};
  if (k.size() == 2) return {k[1], k[0]};
  return k;
}

FaultList to_keras(const FaultList& torch_list, const std::vector<WeightSite>& torch_sites) {
  return convert(torch_list, torch_sites, keras_sites(torch_sites), true);
}

FaultList to_torch(const FaultList& keras_list, const std::vector<WeightSite>& torch_sites) {
  return convert(keras_list, keras_sites(torch_sites), torch_sites, false);
}

}  // namespace faultbench
