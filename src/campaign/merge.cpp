#include "faultbench/campaign/merge.h"

#include <chrono>
#include <map>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "faultbench/campaign/campaign.h"
#include "faultbench/campaign/journal.h"
#include "faultbench/error.h"
#include "faultbench/util/atomic_file.h"
#include "faultbench/util/bounded_json.h"
#include "faultbench/util/build_info.h"
#include "faultbench/util/digest.h"
#include "faultbench/util/file_bytes.h"
#include "faultbench/util/output_paths.h"

namespace faultbench {

namespace {

constexpr int kMaxSidecarDepth = 16;

std::string sha256_hex(std::string_view bytes) {
  Digest d(DigestAlgorithm::Sha256);
  d.update(bytes.data(), bytes.size());
  return d.hex();
}

struct Part {
  std::filesystem::path csv, sidecar;
  nlohmann::ordered_json j;  // the sidecar, key order kept
  nlohmann::json binding;    // without "shard"
  int index = 0, count = 0;
  std::string bytes;                    // the CSV
  std::vector<std::string_view> lines;  // header first, each with its '\n'
  std::vector<std::pair<int64_t, int64_t>> runs;
};

int64_t integer_at(const nlohmann::ordered_json& j, const char* key, const std::string& where) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer() || it->get<int64_t>() < 0)
    throw FormatError(fmt::format("{}: '{}' missing or not a non-negative integer", where, key));
  return it->get<int64_t>();
}

const nlohmann::ordered_json& object_at(const nlohmann::ordered_json& j, const char* key, const std::string& where) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_object())
    throw FormatError(fmt::format("{}: '{}' missing or not an object", where, key));
  return *it;
}

std::vector<std::string_view> split_lines(std::string_view bytes) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < bytes.size()) {
    const size_t nl = bytes.find('\n', start);
    const size_t end = nl == std::string_view::npos ? bytes.size() : nl + 1;
    lines.push_back(bytes.substr(start, end - start));
    start = end;
  }
  return lines;
}

// Reads and checks one part on its own: a complete part result of `campaign --shard`.
Part read_part(const std::filesystem::path& csv) {
  Part p;
  p.csv = csv;
  p.sidecar = sidecar_path_for(csv);
  const std::string sc = p.sidecar.string();
  if (!std::filesystem::exists(p.sidecar))
    throw FormatError(fmt::format("{}: its sidecar {} does not exist: not the result of `faultbench campaign --shard`",
                                  csv.string(), p.sidecar.filename().string()));
  p.bytes = read_file_bytes(csv);
  // A sidecar holds a few paths and hashes, the image indices of a sample and the part's
  // position runs (at most one per row of its CSV): bounded by the CSV's size.
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(p.sidecar, ec);
  if (ec) throw IoError(fmt::format("{}: cannot stat: {}", sc, ec.message()));
  const uint64_t limit = (uint64_t(16) << 20) + 2 * uint64_t(p.bytes.size());
  if (size > limit)
    throw FormatError(
        fmt::format("{}: {} bytes, more than the sidecar of a part can hold (the limit is {} bytes)", sc, size, limit));
  const std::string text = read_file_bytes(p.sidecar);
  if (parse_bounded_json(text, kMaxSidecarDepth, sc).is_discarded()) throw FormatError(fmt::format("{}: not JSON", sc));
  p.j = nlohmann::ordered_json::parse(text, nullptr, false);
  if (!p.j.is_object()) throw FormatError(fmt::format("{}: not a campaign sidecar (not a JSON object)", sc));
  const auto& shard = p.j.find("shard");
  if (shard == p.j.end())
    throw FormatError(fmt::format(
        "{}: no 'shard' object: {} is not a part of a sharded campaign (campaign --shard K/N)", sc, csv.string()));
  if (!shard->is_object()) throw FormatError(fmt::format("{}: 'shard' is not an object", sc));
  p.index = int(std::min<int64_t>(integer_at(*shard, "index", sc + ": shard"), 1 << 30));
  p.count = int(std::min<int64_t>(integer_at(*shard, "count", sc + ": shard"), 1 << 30));
  if (p.index < 1 || p.index > p.count)
    throw FormatError(fmt::format("{}: shard index {} outside 1..{}", sc, p.index, p.count));
  const int64_t faults = integer_at(*shard, "faults", sc + ": shard");
  const nlohmann::ordered_json& binding = object_at(p.j, "binding", sc);
  // The binding as a campaign reads it (every field present and typed), then whole.
  const CampaignBinding b = CampaignBinding::from_json(nlohmann::json(binding), sc + ": binding");
  if (b.shard != fmt::format("{}/{}", p.index, p.count))
    throw FormatError(
        fmt::format("{}: the binding's shard '{}' is not the shard object's {}/{}", sc, b.shard, p.index, p.count));
  p.binding = nlohmann::json(binding);
  p.binding.erase("shard");

  const nlohmann::ordered_json& results = object_at(p.j, "results", sc);
  const auto digest = results.find("sha256");
  if (digest == results.end() || !digest->is_string())
    throw FormatError(fmt::format("{}: results: 'sha256' missing or not a string", sc));
  if (sha256_hex(p.bytes) != digest->get<std::string>())
    throw FormatError(fmt::format("{}: its sha256 is not the one {} records (cut short or changed)", csv.string(),
                                  p.sidecar.filename().string()));
  if (integer_at(results, "rows", sc + ": results") != faults)
    throw FormatError(fmt::format("{}: results: 'rows' is not the shard's fault count {}", sc, faults));
  p.lines = split_lines(p.bytes);
  if (p.lines.empty() || p.lines[0].back() != '\n' || int64_t(p.lines.size()) != faults + 1)
    throw FormatError(
        fmt::format("{}: {} lines, the header and {} rows expected", csv.string(), p.lines.size(), faults));

  // Position runs [first, last], increasing, inside the list, adding up to the rows.
  const auto positions = shard->find("positions");
  if (positions == shard->end() || !positions->is_array())
    throw FormatError(fmt::format("{}: shard: 'positions' missing or not an array", sc));
  int64_t held = 0, next = 0;
  for (const auto& r : *positions) {
    if (!r.is_array() || r.size() != 2 || !r[0].is_number_integer() || !r[1].is_number_integer())
      throw FormatError(fmt::format("{}: shard: positions: each run must be [first, last] (integers)", sc));
    const int64_t first = r[0].get<int64_t>(), last = r[1].get<int64_t>();
    if (first < next || last < first || last >= b.faults)
      throw FormatError(fmt::format("{}: shard: positions: run [{}, {}] is not increasing inside 0..{}", sc, first,
                                    last, b.faults - 1));
    held += last - first + 1;
    if (held > faults) throw FormatError(fmt::format("{}: shard: positions hold more than its {} faults", sc, faults));
    p.runs.emplace_back(first, last);
    next = last + 1;
  }
  if (held != faults)
    throw FormatError(fmt::format("{}: shard: positions hold {} faults, not its {}", sc, held, faults));
  return p;
}

// The parts against the first: one campaign, one partition, every position once.
void check_together(const std::vector<Part>& parts, int64_t faults) {
  const Part& a = parts.front();
  std::map<int, const Part*> by_index;
  int64_t rows = 0;
  for (const Part& p : parts) {
    auto mismatch = [&](const std::string& what) {
      return UsageError(
          fmt::format("{} and {} are not parts of one campaign: {}", a.csv.string(), p.csv.string(), what));
    };
    const std::string why = CampaignBinding::from_json(a.binding, a.sidecar.string())
                                .difference(CampaignBinding::from_json(p.binding, p.sidecar.string()));
    if (!why.empty()) throw mismatch(why);
    if (a.binding != p.binding) throw mismatch("their bindings differ");
    for (const char* key : {"mode", "golden"})
      if (a.j.value(key, nlohmann::ordered_json()) != p.j.value(key, nlohmann::ordered_json()))
        throw mismatch(fmt::format("their '{}' differs", key));
    if (p.count != a.count) throw mismatch(fmt::format("parts of {} and of {}", a.count, p.count));
    if (p.lines[0] != a.lines[0]) throw mismatch("their header lines differ");
    const auto [it, fresh] = by_index.emplace(p.index, &p);
    if (!fresh)
      throw UsageError(fmt::format("{} and {} are both part {}/{} (a part given twice?)", it->second->csv.string(),
                                   p.csv.string(), p.index, p.count));
    rows += int64_t(p.lines.size()) - 1;
  }
  for (int k = 1; k <= a.count; ++k)
    if (!by_index.count(k))
      throw UsageError(fmt::format("part {}/{} is missing: {} parts of {} given (all of them are needed)", k, a.count,
                                   parts.size(), a.count));
  if (rows != faults)
    throw UsageError(fmt::format("the {} parts hold {} rows for a list of {} faults (parts of different partitions?)",
                                 parts.size(), rows, faults));
}

// Sum of the parts' totals, key by key (masked, non_critical, critical, due, top1_correct).
nlohmann::ordered_json summed_totals(const std::vector<Part>& parts) {
  nlohmann::ordered_json sum = object_at(parts.front().j, "totals", parts.front().sidecar.string());
  for (auto& [key, value] : sum.items()) {
    int64_t s = 0;
    for (const Part& p : parts)
      if (__builtin_add_overflow(
              s, integer_at(object_at(p.j, "totals", p.sidecar.string()), key.c_str(), p.sidecar.string() + ": totals"),
              &s))
        throw FormatError(
            fmt::format("{}: totals: '{}' overflows when summed over the parts", p.sidecar.string(), key));
    value = s;
  }
  return sum;
}

}  // namespace

MergeReport merge_campaign_parts(const MergeSpec& spec) {
  if (spec.parts.empty()) throw UsageError("merge: no parts given");
  IoPlan plan;
  for (const auto& part : spec.parts) {
    plan.input("the part", part);
    plan.input("the sidecar of the part", sidecar_path_for(part));
  }
  plan.output("--out", spec.out);
  plan.output("the sidecar of --out", sidecar_path_for(spec.out));
  plan.check();
  if (std::filesystem::exists(journal_path_for(spec.out)))
    throw UsageError(fmt::format("{}: a campaign on this --out is unfinished ({} exists): finish or remove it first",
                                 spec.out.string(), journal_path_for(spec.out).filename().string()));
  const auto started = std::chrono::system_clock::now();

  std::vector<Part> parts;
  for (const auto& path : spec.parts) parts.push_back(read_part(path));
  const int64_t faults = CampaignBinding::from_json(parts.front().binding, parts.front().sidecar.string()).faults;
  check_together(parts, faults);

  // Every row back at its list position; overlapping runs are found here.
  std::vector<std::string_view> rows(static_cast<size_t>(faults));
  std::vector<const Part*> owner(static_cast<size_t>(faults), nullptr);
  for (const Part& p : parts) {
    size_t line = 1;
    for (const auto& [first, last] : p.runs)
      for (int64_t pos = first; pos <= last; ++pos) {
        if (owner[size_t(pos)])
          throw UsageError(fmt::format("{} and {} both hold the fault at list position {} (overlapping parts)",
                                       owner[size_t(pos)]->csv.string(), p.csv.string(), pos));
        owner[size_t(pos)] = &p;
        rows[size_t(pos)] = p.lines[line++];
      }
  }
  std::string csv(parts.front().lines[0]);
  for (int64_t pos = 0; pos < faults; ++pos) {
    if (!owner[size_t(pos)])
      throw UsageError(fmt::format("no part holds the fault at list position {} (a gap between the parts)", pos));
    csv += rows[size_t(pos)];
  }

  // The sidecar an unsharded run writes, from the first part's, with the merged figures.
  nlohmann::ordered_json j = parts.front().j;
  j.erase("shard");
  j["binding"].erase("shard");
  for (const Part& p : parts)  // the parts' common thread count, else null (each is under "run")
    if (p.j.value("threads", nlohmann::ordered_json()) != j.value("threads", nlohmann::ordered_json()))
      j["threads"] = nullptr;
  j["totals"] = summed_totals(parts);
  j["results"] = {{"sha256", sha256_hex(csv)}, {"rows", faults}};
  nlohmann::ordered_json merged_from = nlohmann::ordered_json::array();
  for (const Part& p : parts)
    merged_from.push_back({{"file", p.csv.string()},
                           {"shard", fmt::format("{}/{}", p.index, p.count)},
                           {"run", p.j.value("run", nlohmann::ordered_json())}});
  j["run"] = {{"faultbench_version", faultbench_version()},
              {"git_commit", faultbench_git_commit()},
              {"command_line", spec.command_line},
              {"merged_utc", utc_timestamp(started)},
              {"parts", merged_from}};

  // An existing --out is replaced only when it is this campaign's result.
  MergeReport report;
  report.parts = int(parts.size());
  report.faults = faults;
  const auto out_sidecar = sidecar_path_for(spec.out);
  if (std::filesystem::exists(spec.out) || std::filesystem::exists(out_sidecar)) {
    std::string why;
    if (!std::filesystem::exists(out_sidecar)) {
      why = fmt::format("{} does not exist", out_sidecar.filename().string());
    } else {
      const std::string text = read_file_bytes(out_sidecar);
      const nlohmann::json old = text.size() > (uint64_t(16) << 20)
                                     ? nlohmann::json()
                                     : parse_bounded_json(text, kMaxSidecarDepth, out_sidecar.string());
      if (!old.is_object() || !old.contains("binding") || old["binding"] != parts.front().binding)
        why = fmt::format("{} is not the sidecar of this campaign", out_sidecar.filename().string());
    }
    if (!why.empty())
      throw UsageError(fmt::format("{} exists and {}: refusing to overwrite it; remove it or choose another --out",
                                   spec.out.string(), why));
    // Sized before it is read (it may be anything, of any size).
    std::error_code size_ec;
    report.unchanged = std::filesystem::exists(spec.out) &&
                       std::filesystem::file_size(spec.out, size_ec) == csv.size() && !size_ec &&
                       read_file_bytes(spec.out) == csv;
  }
  write_file_atomically(out_sidecar, j.dump(2) + "\n");
  if (!report.unchanged) write_file_atomically(spec.out, csv);
  return report;
}

}  // namespace faultbench
