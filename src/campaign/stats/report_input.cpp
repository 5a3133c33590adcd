// The result files of a report and what their sidecars (or the options) say about them.
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>

#include "faultbench/campaign/report.h"
#include "faultbench/error.h"
#include "faultbench/util/bounded_json.h"
#include "faultbench/util/file_bytes.h"

namespace faultbench {

namespace {

// A campaign sidecar is about 1 MB plus 24 bytes per image (campaign.cpp); anything much
// larger is not one, and is refused before it is read.
constexpr uint64_t kMaxSidecarBytes = 64ull << 20;
constexpr int kMaxSidecarDepth = 16;

std::string string_field(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void read_sidecar(ReportSource& s) {
  const std::filesystem::path sidecar = s.path.string() + ".json";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(sidecar, ec)) return;
  const uint64_t size = std::filesystem::file_size(sidecar, ec);
  if (ec) throw IoError(fmt::format("{}: cannot stat: {}", sidecar.string(), ec.message()));
  if (size > kMaxSidecarBytes)
    throw FormatError(fmt::format("{}: {} bytes, more than a campaign sidecar can hold (the limit is {} bytes)",
                                  sidecar.string(), size, kMaxSidecarBytes));
  const nlohmann::json j = parse_bounded_json(read_file_bytes(sidecar), kMaxSidecarDepth, sidecar.string());
  if (j.is_discarded())
    throw FormatError(
        fmt::format("{}: not JSON (beside a result file, a campaign sidecar is expected)", sidecar.string()));
  if (!j.is_object() || !j.contains("model") || !j["model"].is_string())
    throw FormatError(fmt::format("{}: not a campaign sidecar (no 'model' string)", sidecar.string()));
  s.metadata = "sidecar";
  s.model = string_field(j, "model");
  s.dataset = string_field(j, "dataset");
  s.fault_model = string_field(j, "fault_model");
  // Campaigns recorded fp32 before the numerics became a choice.
  s.numerics = "fp32";
  if (const auto n = j.find("numerics"); n != j.end()) {
    if (n->is_string())
      s.numerics = n->get<std::string>();
    else if (n->is_object())
      s.numerics = string_field(*n, "name");
  }
  if (const auto t = j.find("target"); t != j.end() && t->is_string()) s.target = t->get<std::string>();
  if (const auto f = j.find("fault_list"); f != j.end() && f->is_object())
    if (const auto sm = f->find("sampling"); sm != f->end() && sm->is_object())
      if (const auto n = sm->find("population"); n != sm->end() && n->is_number() && n->get<double>() > 0)
        s.sampled_population = n->get<double>();
  if (const auto d = j.find("data"); d != j.end() && d->is_object())
    if (const auto i = d->find("images"); i != d->end() && i->is_number_integer()) s.images = i->get<int64_t>();
}

// The rows' own image count and fault model, when all rows agree.
void fill_from_rows(ReportSource& s) {
  std::set<int64_t> images;
  std::set<std::string> models;
  for (const ResultRow& r : s.table.rows) {
    images.insert(r.n_injections);
    models.insert(fault_model_name(r.fault_model));
  }
  if (s.images == 0 && images.size() == 1) s.images = *images.begin();
  if (s.fault_model.empty()) s.fault_model = models.size() == 1 ? *models.begin() : models.empty() ? "" : "mixed";
}

}  // namespace

std::vector<ReportSource> read_report_sources(const std::vector<std::filesystem::path>& files,
                                              const ReportOptions& options) {
  std::vector<ReportSource> out;
  std::set<std::string> labels;
  for (const std::filesystem::path& path : files) {
    ReportSource s;
    s.path = path;
    s.metadata = "none";
    s.table = read_result_table(path);
    if (s.table.rows.empty()) throw FormatError(fmt::format("{}: no result rows (only a header)", path.string()));
    read_sidecar(s);
    if (s.metadata == "none" && !options.model.empty()) {
      s.metadata = "options";
      s.model = options.model;
      s.dataset = options.dataset;
      s.numerics = options.numerics;
    }
    fill_from_rows(s);
    s.label = path.filename().string();
    if (labels.count(s.label)) s.label = path.string();
    if (labels.count(s.label)) s.label = fmt::format("{} ({})", path.string(), out.size() + 1);
    labels.insert(s.label);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace faultbench
