#include "faultbench/campaign/result_table.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <unordered_map>

#include <fmt/format.h>

#include "faultbench/error.h"
#include "faultbench/util/csv.h"

namespace faultbench {

namespace {

int64_t parse_int(const std::string& s, const std::string& where, const char* column) {
  int64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty())
    throw FormatError(fmt::format("{}: column {}: '{}' is not an integer", where, column, s));
  return v;
}

// Every injection of a fault is classified exactly once: masked + non_critical + critical
// must equal n_injections (DUE is counted on top of them, see classify.h). A table that
// breaks this was cut, merged or edited by hand, and its comparison would mean nothing.
// Without the column the sum is the image count (it must still fit in 64 bits).
int64_t images_of(const ResultRow& r, const int64_t* n_injections, const std::string& where) {
  int64_t sum = 0;
  const bool overflow =
      __builtin_add_overflow(r.masked, r.non_critical, &sum) || __builtin_add_overflow(sum, r.critical, &sum);
  if (n_injections == nullptr) {
    if (overflow)
      throw FormatError(fmt::format("{}: masked + non_critical + critical overflows a 64-bit integer", where));
    return sum;
  }
  if (overflow || sum != *n_injections)
    throw FormatError(
        fmt::format("{}: masked + non_critical + critical = {} + {} + {} but n_injections is {}: "
                    "every injection must be counted in exactly one of the three",
                    where, r.masked, r.non_critical, r.critical, *n_injections));
  return sum;
}

struct Columns {
  int inj = -1, masked = -1, non_critical = -1, critical = -1, layer = -1, index = -1, bit = -1, n = -1, model = -1,
      due = -1;
};

Columns read_header(const std::vector<std::string>& header, const std::string& where) {
  Columns c;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string& h = header[i];
    int* slot = h == "Injection"      ? &c.inj
                : h == "masked"       ? &c.masked
                : h == "non_critical" ? &c.non_critical
                : h == "critical"     ? &c.critical
                : h == "Layer"        ? &c.layer
                : h == "TensorIndex"  ? &c.index
                : h == "Bit"          ? &c.bit
                : h == "n_injections" ? &c.n
                : h == "FaultModel"   ? &c.model
                : h == "due"          ? &c.due
                                      : nullptr;
    if (slot) *slot = int(i);
  }
  for (auto [col, name] : {std::pair{c.inj, "Injection"},
                           {c.masked, "masked"},
                           {c.non_critical, "non_critical"},
                           {c.critical, "critical"}})
    if (col < 0) throw FormatError(fmt::format("{}: header has no '{}' column", where, name));
  return c;
}

}  // namespace

std::string site_key(const ResultRow& row) {
  // "(3, 0, 2, 1)" and "(3,0,2,1)" are the same index.
  std::string key = row.layer;
  key += '\x1f';
  for (char ch : row.tensor_index)
    if (ch != ' ' && ch != '\t') key += ch;
  key += fmt::format("\x1f{}\x1f{}", row.bit, int(row.fault_model));
  return key;
}

std::string describe_site(const ResultRow& row) {
  std::string s = fmt::format("{} {} bit {}", row.layer, row.tensor_index, row.bit);
  if (row.fault_model != FaultModel::BitFlip) s += fmt::format(", {}", fault_model_name(row.fault_model));
  return s;
}

ResultTable parse_result_table(std::istream& in, const std::string& source) {
  ResultTable t;
  t.source = source;
  CsvReader reader(in, source);
  CsvRecord record;
  std::vector<std::string> header;
  Columns c;
  std::unordered_map<int64_t, int64_t> seen;
  std::unordered_map<std::string, int64_t> seen_site;
  while (reader.next(record)) {
    const int64_t lineno = record.line;
    const std::string where = fmt::format("{}:{}", source, lineno);
    std::vector<std::string>& f = record.fields;
    if (header.empty()) {
      header = f;
      c = read_header(header, where);
      t.has_sites = c.layer >= 0 && c.index >= 0 && c.bit >= 0;
      t.has_due = c.due >= 0;
      t.has_site_counts = std::find(header.begin(), header.end(), "sites") != header.end();
      continue;
    }
    if (f.size() != header.size())
      throw FormatError(fmt::format("{}: {} fields, the header has {}", where, f.size(), header.size()));
    ResultRow r;
    r.line = lineno;
    r.injection = parse_int(f[size_t(c.inj)], where, "Injection");
    r.masked = parse_int(f[size_t(c.masked)], where, "masked");
    r.non_critical = parse_int(f[size_t(c.non_critical)], where, "non_critical");
    r.critical = parse_int(f[size_t(c.critical)], where, "critical");
    if (r.masked < 0 || r.non_critical < 0 || r.critical < 0) throw FormatError(where + ": negative count");
    if (c.n >= 0) {
      const int64_t n = parse_int(f[size_t(c.n)], where, "n_injections");
      r.n_injections = images_of(r, &n, where);
    } else {
      r.n_injections = images_of(r, nullptr, where);
    }
    if (c.due >= 0) {
      r.due = parse_int(f[size_t(c.due)], where, "due");
      // DUE is counted on top of the three classes, once per image at most.
      if (r.due < 0 || r.due > r.n_injections)
        throw FormatError(fmt::format("{}: due {} outside 0..n_injections ({})", where, r.due, r.n_injections));
    }
    if (c.layer >= 0) r.layer = f[size_t(c.layer)];
    if (c.index >= 0) r.tensor_index = f[size_t(c.index)];
    if (c.bit >= 0) {
      const int64_t bit = parse_int(f[size_t(c.bit)], where, "Bit");
      if (bit < 0 || bit > 31) throw FormatError(fmt::format("{}: bit {} outside 0..31", where, bit));
      r.bit = int(bit);
    }
    if (c.model >= 0) {
      const auto m = parse_fault_model(f[size_t(c.model)]);
      if (!m)
        throw FormatError(
            fmt::format("{}: FaultModel '{}' is not bitflip, stuck-at-0 or stuck-at-1", where, f[size_t(c.model)]));
      r.fault_model = *m;
    }
    if (auto [it, fresh] = seen.emplace(r.injection, lineno); !fresh)
      throw FormatError(fmt::format("{}: Injection {} already on line {}", where, r.injection, it->second));
    // Tables are paired by site: a site listed twice could pair either way.
    if (t.has_sites)
      if (auto [it, fresh] = seen_site.emplace(site_key(r), lineno); !fresh)
        throw FormatError(fmt::format("{}: fault {} already on line {}", where, describe_site(r), it->second));
    t.rows.push_back(std::move(r));
  }
  if (header.empty()) throw FormatError(source + ": empty file (no header)");
  return t;
}

ResultTable read_result_table(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot open for reading", path.string()));
  return parse_result_table(in, path.string());
}

}  // namespace faultbench
