#include "faultbench/campaign/compare.h"

#include <algorithm>
#include <charconv>
#include <cmath>
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
void check_total(const ResultRow& r, int64_t n_injections, const std::string& where) {
  int64_t sum = 0;
  const bool overflow = __builtin_add_overflow(r.masked, r.non_critical, &sum) ||
                        __builtin_add_overflow(sum, r.critical, &sum);
  if (overflow || sum != n_injections)
    throw FormatError(fmt::format("{}: masked + non_critical + critical = {} + {} + {} but n_injections is {}: "
                                  "every injection must be counted in exactly one of the three",
                                  where, r.masked, r.non_critical, r.critical, n_injections));
}

}  // namespace

ResultTable parse_result_table(std::istream& in, const std::string& source) {
  ResultTable t;
  t.source = source;
  CsvReader reader(in, source);
  CsvRecord record;
  std::vector<std::string> header;
  int col_inj = -1, col_m = -1, col_nc = -1, col_c = -1, col_layer = -1, col_idx = -1, col_bit = -1, col_n = -1;
  std::unordered_map<int64_t, int64_t> seen;
  while (reader.next(record)) {
    const int64_t lineno = record.line;
    const std::string where = fmt::format("{}:{}", source, lineno);
    std::vector<std::string>& f = record.fields;
    if (header.empty()) {
      header = f;
      for (size_t i = 0; i < header.size(); ++i) {
        const std::string& h = header[i];
        int* slot = h == "Injection"      ? &col_inj
                    : h == "masked"       ? &col_m
                    : h == "non_critical" ? &col_nc
                    : h == "critical"     ? &col_c
                    : h == "Layer"        ? &col_layer
                    : h == "TensorIndex"  ? &col_idx
                    : h == "Bit"          ? &col_bit
                    : h == "n_injections" ? &col_n
                                          : nullptr;
        if (slot) *slot = int(i);
      }
      for (auto [col, name] : {std::pair{col_inj, "Injection"}, {col_m, "masked"}, {col_nc, "non_critical"},
                               {col_c, "critical"}})
        if (col < 0) throw FormatError(fmt::format("{}: header has no '{}' column", where, name));
      continue;
    }
    if (f.size() != header.size())
      throw FormatError(fmt::format("{}: {} fields, the header has {}", where, f.size(), header.size()));
    ResultRow r;
    r.line = lineno;
    r.injection = parse_int(f[size_t(col_inj)], where, "Injection");
    r.masked = parse_int(f[size_t(col_m)], where, "masked");
    r.non_critical = parse_int(f[size_t(col_nc)], where, "non_critical");
    r.critical = parse_int(f[size_t(col_c)], where, "critical");
    if (r.masked < 0 || r.non_critical < 0 || r.critical < 0)
      throw FormatError(where + ": negative count");
    if (col_n >= 0) check_total(r, parse_int(f[size_t(col_n)], where, "n_injections"), where);
    if (col_layer >= 0) r.layer = f[size_t(col_layer)];
    if (col_idx >= 0) r.tensor_index = f[size_t(col_idx)];
    if (col_bit >= 0) r.bit = int(parse_int(f[size_t(col_bit)], where, "Bit"));
    if (auto [it, fresh] = seen.emplace(r.injection, lineno); !fresh)
      throw FormatError(fmt::format("{}: Injection {} already on line {}", where, r.injection, it->second));
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

namespace {

// Counts are only checked to be >= 0 when read, so the totals of a hostile file could
// overflow int64 (UBSan finding of fuzz/fuzz_results_csv.cpp): add with a check.
void add_count(int64_t& total, int64_t v, const ResultTable& t) {
  if (__builtin_add_overflow(total, v, &total))
    throw FormatError(fmt::format("{}: counts too large: their total overflows a 64-bit integer", t.source));
}

}  // namespace

CompareReport compare_results(const ResultTable& a, const ResultTable& b, size_t worst) {
  CompareReport r;
  std::unordered_map<int64_t, const ResultRow*> by_id;
  for (const ResultRow& row : b.rows) by_id.emplace(row.injection, &row);
  std::vector<Disagreement> pairs;
  for (const ResultRow& ra : a.rows) {
    auto it = by_id.find(ra.injection);
    if (it == by_id.end()) {
      ++r.only_a;
      continue;
    }
    pairs.push_back({&ra, it->second, it->second->critical - ra.critical});
  }
  r.matched = int64_t(pairs.size());
  r.only_b = int64_t(b.rows.size()) - r.matched;
  double sx = 0, sy = 0, sad = 0;
  for (const Disagreement& d : pairs) {
    add_count(r.a.masked, d.a->masked, a), add_count(r.a.non_critical, d.a->non_critical, a);
    add_count(r.a.critical, d.a->critical, a);
    add_count(r.b.masked, d.b->masked, b), add_count(r.b.non_critical, d.b->non_critical, b);
    add_count(r.b.critical, d.b->critical, b);
    sx += double(d.a->critical);
    sy += double(d.b->critical);
    sad += double(std::llabs(d.diff));
    r.max_abs_diff = std::max<int64_t>(r.max_abs_diff, std::llabs(d.diff));
  }
  if (!pairs.empty()) {
    const double n = double(pairs.size()), mx = sx / n, my = sy / n;
    double cxy = 0, cxx = 0, cyy = 0;
    for (const Disagreement& d : pairs) {
      const double dx = double(d.a->critical) - mx, dy = double(d.b->critical) - my;
      cxy += dx * dy, cxx += dx * dx, cyy += dy * dy;
    }
    if (cxx > 0 && cyy > 0) r.correlation = cxy / std::sqrt(cxx * cyy);
    r.mean_abs_diff = sad / n;
  }
  std::stable_sort(pairs.begin(), pairs.end(), [](const Disagreement& x, const Disagreement& y) {
    if (std::llabs(x.diff) != std::llabs(y.diff)) return std::llabs(x.diff) > std::llabs(y.diff);
    return x.a->injection < y.a->injection;
  });
  for (const Disagreement& d : pairs) {
    if (r.worst.size() >= worst || d.diff == 0) break;
    r.worst.push_back(d);
  }
  return r;
}

std::string format_compare_report(const CompareReport& r, const std::string& name_a, const std::string& name_b) {
  std::string s;
  s += fmt::format("A: {}\nB: {}\n", name_a, name_b);
  s += fmt::format("faults matched by Injection: {} (only in A: {}, only in B: {})\n", r.matched, r.only_a, r.only_b);
  s += fmt::format("{:<4}{:>14}{:>14}{:>14}\n", "", "masked", "non_critical", "critical");
  s += fmt::format("{:<4}{:>14}{:>14}{:>14}\n", "A", r.a.masked, r.a.non_critical, r.a.critical);
  s += fmt::format("{:<4}{:>14}{:>14}{:>14}\n", "B", r.b.masked, r.b.non_critical, r.b.critical);
  s += r.correlation ? fmt::format("critical correlation: {:.6f}\n", *r.correlation)
                     : std::string("critical correlation: undefined (a column is constant)\n");
  s += fmt::format("critical mean absolute difference: {:.4f} images (max {})\n", r.mean_abs_diff, r.max_abs_diff);
  if (!r.worst.empty()) {
    s += fmt::format("faults that disagree most (critical, B - A):\n");
    s += fmt::format("{:>10}  {:<24}{:<18}{:>4}{:>10}{:>10}{:>8}\n", "Injection", "Layer", "TensorIndex", "Bit", "A",
                     "B", "diff");
    for (const Disagreement& d : r.worst) {
      const ResultRow& x = d.a->layer.empty() ? *d.b : *d.a;
      s += fmt::format("{:>10}  {:<24}{:<18}{:>4}{:>10}{:>10}{:>+8}\n", d.a->injection, x.layer, x.tensor_index,
                       x.bit >= 0 ? std::to_string(x.bit) : "", d.a->critical, d.b->critical, d.diff);
    }
  }
  return s;
}

}  // namespace faultbench
