#include "faultbench/faults/list_sidecar.h"

#include <cstdio>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "faultbench/error.h"
#include "faultbench/util/bounded_json.h"
#include "faultbench/util/build_info.h"

namespace faultbench {

namespace {

// A sidecar holds one line per layer: even a 10,000-layer model stays far below this.
constexpr uintmax_t kMaxSidecarBytes = uintmax_t(4) << 20;
constexpr int kMaxSidecarDepth = 16;  // what fault_list_sidecar_json writes nests 3 deep

const char* scope_name(SamplingScope s) { return s == SamplingScope::Network ? "network" : "layer"; }

template <typename T>
T field(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) throw FormatError(fmt::format("{}: field '{}' is missing", where, key));
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw FormatError(fmt::format("{}: field '{}' has the wrong type", where, key));
  }
}

FaultListSidecar parse(const nlohmann::json& j, const std::string& where) {
  FaultListSidecar s;
  s.model = field<std::string>(j, "model", where);
  s.dataset = field<std::string>(j, "dataset", where);
  s.target = field<std::string>(j, "target", where);
  s.convention = field<std::string>(j, "convention", where);
  s.fault_model = field<std::string>(j, "fault_model", where);
  // Lists drawn before --numerics existed have no field: their bits are fp32's.
  if (j.contains("numerics")) s.numerics = field<std::string>(j, "numerics", where);
  s.params.bits = numerics_weight_bits(parse_numerics(s.numerics).value_or(Numerics::Fp32));
  s.faults = field<int64_t>(j, "faults", where);
  s.list_sha256 = field<std::string>(j, "list_sha256", where);
  const nlohmann::json& sampling = j.contains("sampling") ? j["sampling"] : nlohmann::json();
  const std::string sw = where + ": sampling";
  s.params.seed = field<int64_t>(sampling, "seed", sw);
  s.params.error = field<double>(sampling, "error", sw);
  s.params.confidence_t = field<double>(sampling, "confidence_t", sw);
  s.params.p = field<double>(sampling, "p", sw);
  if (sampling.contains("count") && !sampling["count"].is_null())
    s.params.count = field<int64_t>(sampling, "count", sw);
  const std::string scope = field<std::string>(sampling, "scope", sw);
  if (scope != "network" && scope != "layer")
    throw FormatError(fmt::format("{}: scope '{}' is neither network nor layer", sw, scope));
  s.params.scope = scope == "network" ? SamplingScope::Network : SamplingScope::Layer;
  s.plan.weights = field<int64_t>(sampling, "weights", sw);
  s.plan.population = field<int64_t>(sampling, "population", sw);
  s.plan.sample_size = field<int64_t>(sampling, "sample_size", sw);
  if (sampling.contains("int32_biases")) s.plan.biases = field<int64_t>(sampling, "int32_biases", sw);
  // Multi-bit / multi-site lists record their shape; older sidecars have none (one site a fault).
  if (j.contains("fault_shape")) {
    const nlohmann::json& shape = j["fault_shape"];
    const std::string fw = where + ": fault_shape";
    s.params.bits_per_fault = field<int>(shape, "bits_per_fault", fw);
    s.params.adjacent = field<bool>(shape, "adjacent", fw);
    s.params.sites_per_fault = field<int>(shape, "sites_per_fault", fw);
    s.params.same_layer = field<bool>(shape, "same_layer", fw);
    s.rows = field<int64_t>(shape, "rows", fw);
  }
  return s;
}

}  // namespace

std::filesystem::path fault_list_sidecar_path(const std::filesystem::path& list) { return list.string() + ".json"; }

std::string fault_list_sidecar_json(const FaultListSidecar& s) {
  nlohmann::ordered_json j;
  j["faultbench_version"] = faultbench_version();
  j["git_commit"] = faultbench_git_commit();
  j["model"] = s.model;
  j["dataset"] = s.dataset;
  j["target"] = s.target;
  j["convention"] = s.convention;
  j["fault_model"] = s.fault_model;
  j["numerics"] = s.numerics;
  j["faults"] = s.faults;
  j["list_sha256"] = s.list_sha256;
  if (s.params.multi()) {  // absent for single-site lists: their sidecars stay as they were
    nlohmann::ordered_json shape;
    shape["bits_per_fault"] = s.params.bits_per_fault;
    shape["adjacent"] = s.params.adjacent;
    shape["sites_per_fault"] = s.params.sites_per_fault;
    shape["same_layer"] = s.params.same_layer;
    shape["rows"] = s.rows;
    j["fault_shape"] = std::move(shape);
  }
  nlohmann::ordered_json sampling;
  sampling["method"] = "Leveugle et al., DATE 2009: n = N / (1 + e^2 (N-1) / (t^2 p (1-p)))";
  sampling["seed"] = s.params.seed;
  sampling["error"] = s.params.error;
  sampling["confidence_t"] = s.params.confidence_t;
  sampling["p"] = s.params.p;
  sampling["bits"] = s.params.bits;
  sampling["count"] = s.params.count ? nlohmann::ordered_json(*s.params.count) : nlohmann::ordered_json(nullptr);
  sampling["scope"] = scope_name(s.params.scope);
  sampling["weights"] = s.plan.weights;
  // faultlist --int8-biases only: absent otherwise, so other sidecars stay as they were.
  if (s.plan.biases != 0) sampling["int32_biases"] = s.plan.biases;
  sampling["population"] = s.plan.population;
  sampling["sample_size"] = s.plan.sample_size;
  sampling["layers"] = nlohmann::ordered_json::array();
  for (const LayerAllocation& l : s.plan.layers) {
    nlohmann::ordered_json layer = {{"layer", l.layer},
                                    {"weights", l.weights},
                                    {"population", l.population},
                                    {"faults", l.faults},
                                    {"capped", l.capped}};
    if (l.bits != 0) layer["bits"] = l.bits;  // an int32 bias: 32 bits an element
    sampling["layers"].push_back(std::move(layer));
  }
  j["sampling"] = std::move(sampling);
  return j.dump(2) + "\n";
}

FoundListSidecar find_fault_list_sidecar(const std::filesystem::path& list, const std::string& list_sha256) {
  const std::filesystem::path path = fault_list_sidecar_path(list);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return {};
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw IoError(fmt::format("{}: cannot stat: {}", path.string(), ec.message()));
  if (size > kMaxSidecarBytes)
    throw FormatError(fmt::format("{}: {} bytes, more than a fault list sidecar can hold ({} bytes)", path.string(),
                                  size, kMaxSidecarBytes));
  std::string text(size, '\0');
  {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) throw IoError(fmt::format("{}: cannot open for reading", path.string()));
    const size_t got = std::fread(text.data(), 1, text.size(), f);
    std::fclose(f);
    text.resize(got);
  }
  // Depth-limited: a hostile file of nested brackets must not exhaust the stack.
  const nlohmann::json j = parse_bounded_json(text, kMaxSidecarDepth, path.string());
  if (j.is_discarded() || !j.is_object())
    throw FormatError(fmt::format("{}: not a fault list sidecar (not a JSON object)", path.string()));
  // LIST.csv may be a campaign's RESULTS.csv (a result file is a fault list): its .json is
  // then the campaign's record, which says how the results were made, not how the list was drawn.
  if (j.contains("binding") && j.contains("results") && !j.contains("sampling")) return {};
  FaultListSidecar s = parse(j, path.string());
  if (s.list_sha256 != list_sha256)
    return {std::nullopt, fmt::format("{} was written for other list bytes (the list was edited after it was drawn); "
                                      "its sampling parameters are not used",
                                      path.filename().string())};
  return {std::move(s), ""};
}

}  // namespace faultbench
