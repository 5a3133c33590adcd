#include "faultbench/faults/fault_list_csv.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <optional>
#include <string_view>

#include "faultbench/error.h"
#include "faultbench/util/atomic_file.h"
#include "faultbench/util/csv.h"

namespace faultbench {

namespace {

constexpr size_t kMaxLine = 1 << 16;  // a fault row is < 200 bytes; longer lines are garbage
constexpr size_t kMaxRank = 8;

const std::vector<std::string> kFaultColumns = {"Injection", "Layer", "TensorIndex", "Bit"};
const std::vector<std::string> kResultColumns = {"n_injections", "masked", "non_critical", "critical"};
const char* const kModelColumn = "FaultModel";

// "file:line", built only when an error is reported (rows are parsed by the ten thousand).
struct Where {
  const std::string& source;
  int64_t line;
  operator std::string() const { return fmt::format("{}:{}", source, line); }
};
std::string operator+(const Where& w, const char* text) { return std::string(w) + text; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<int64_t> parse_int(std::string_view s) {
  s = trim(s);
  int64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

int64_t parse_count(const std::string& field, const std::string& column, const Where& where) {
  auto v = parse_int(field);
  if (!v || *v < 0)
    throw FormatError(
        fmt::format("{}: malformed row: {} '{}' is not a non-negative integer", std::string(where), column, field));
  return *v;
}

// "(3, 0, 2, 1)" -> {3, 0, 2, 1}; "(3,)" -> {3}.
std::vector<int64_t> parse_tensor_index(std::string_view text, const Where& where) {
  std::string_view s = trim(text);
  if (s.size() < 2 || s.front() != '(' || s.back() != ')')
    throw FormatError(fmt::format("{}: malformed row: TensorIndex '{}' is not a tuple like \"(3, 0, 2, 1)\"",
                                  std::string(where), std::string(text)));
  s = s.substr(1, s.size() - 2);
  std::vector<int64_t> index;
  if (trim(s).empty()) return index;
  size_t start = 0;
  for (;;) {
    const size_t comma = s.find(',', start);
    std::string_view item = s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    const bool last = comma == std::string_view::npos;
    if (last && trim(item).empty() && index.size() == 1) break;  // Python's 1-tuple "(3,)"
    auto v = parse_int(item);
    if (!v)
      throw FormatError(fmt::format("{}: malformed row: TensorIndex '{}' has a non-integer entry", std::string(where),
                                    std::string(text)));
    if (index.size() >= kMaxRank)
      throw FormatError(fmt::format("{}: malformed row: TensorIndex '{}' has more than {} entries", std::string(where),
                                    std::string(text), kMaxRank));
    index.push_back(*v);
    if (last) break;
    start = comma + 1;
  }
  return index;
}

struct Columns {
  int model = -1;    // position of FaultModel, or -1
  int results = -1;  // position of n_injections (the four result columns follow), or -1
  int sites = -1;    // a result file's `sites` column (multi-site campaigns), or -1
  size_t count = 0;
};

bool known_column(const std::string& name) {
  return name == kModelColumn || std::find(kFaultColumns.begin(), kFaultColumns.end(), name) != kFaultColumns.end() ||
         std::find(kResultColumns.begin(), kResultColumns.end(), name) != kResultColumns.end();
}

// Injection,Layer,TensorIndex,Bit, then FaultModel and the result block in any order. A
// list with the result block is a result file, which may carry more columns after it
// (faultbench's due and top1_correct, another tool's): they are ignored. Elsewhere an
// unknown column is refused, so that a misspelt FaultModel is not silently bitflip.
Columns parse_header(const std::vector<std::string>& header, const Where& where) {
  for (size_t i = 0; i < kFaultColumns.size(); ++i)
    if (i >= header.size() || header[i] != kFaultColumns[i])
      throw FormatError(where + ": header must start with Injection,Layer,TensorIndex,Bit");
  Columns cols;
  cols.count = header.size();
  for (size_t i = kFaultColumns.size(); i < header.size();) {
    if (header[i] == kModelColumn && cols.model < 0) {
      cols.model = int(i++);
    } else if (header[i] == kResultColumns[0] && cols.results < 0) {
      for (size_t r = 0; r < kResultColumns.size(); ++r)
        if (i + r >= header.size() || header[i + r] != kResultColumns[r])
          throw FormatError(where + ": result columns must be n_injections,masked,non_critical,critical");
      cols.results = int(i);
      i += kResultColumns.size();
    } else if (cols.results >= 0 && !known_column(header[i])) {
      if (header[i] == "sites" && cols.sites < 0) cols.sites = int(i);
      ++i;  // a result file's own columns (faultbench's due, top1_correct): not part of the list
    } else {
      throw FormatError(fmt::format("{}: unknown or repeated column '{}'", std::string(where), header[i]));
    }
  }
  return cols;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

FaultList parse_fault_list(std::istream& in, const std::string& source) {
  FaultList list;
  list.source = source;
  CsvReader reader(in, source, CsvOptions{.delimiter = ',', .max_line_bytes = kMaxLine});
  CsvRecord record;
  std::optional<Columns> cols;
  while (reader.next(record)) {
    const int64_t line_no = record.line;
    const Where where{source, line_no};
    std::vector<std::string>& fields = record.fields;
    if (!cols) {
      cols = parse_header(fields, where);
      continue;
    }
    if (fields.size() != cols->count)
      throw FormatError(fmt::format("{}: malformed row: {} fields, the header has {}", std::string(where),
                                    fields.size(), cols->count));
    Fault f;
    f.injection = parse_count(fields[0], "Injection", where);
    f.site.layer = fields[1];
    if (f.site.layer.empty()) throw FormatError(where + ": malformed row: empty Layer");
    f.site.index = parse_tensor_index(fields[2], where);
    auto bit = parse_int(fields[3]);
    if (!bit)
      throw FormatError(fmt::format("{}: malformed row: Bit '{}' is not an integer", std::string(where), fields[3]));
    if (*bit < 0 || *bit > 31) throw FormatError(fmt::format("{}: bit {} outside 0..31", std::string(where), *bit));
    f.site.bit = int(*bit);
    if (cols->model >= 0) {
      auto m = parse_fault_model(trim(fields[size_t(cols->model)]));
      if (!m)
        throw FormatError(fmt::format("{}: malformed row: FaultModel '{}' is not bitflip, stuck-at-0 or stuck-at-1",
                                      std::string(where), fields[size_t(cols->model)]));
      f.model = *m;
    }
    if (cols->results >= 0) {
      const size_t r = size_t(cols->results);
      list.results.push_back(FaultResult{
          parse_count(fields[r], kResultColumns[0], where), parse_count(fields[r + 1], kResultColumns[1], where),
          parse_count(fields[r + 2], kResultColumns[2], where), parse_count(fields[r + 3], kResultColumns[3], where)});
    }
    // A multi-site campaign's result row names only its fault's first site: read as a list
    // it would be another, single-site, fault.
    if (cols->sites >= 0 && trim(fields[size_t(cols->sites)]) != "1")
      throw FormatError(fmt::format(
          "{}: a result row of a fault of {} sites names only its first site: use the fault list the campaign ran",
          std::string(where), fields[size_t(cols->sites)]));
    list.faults.push_back(std::move(f));
    list.lines.push_back(line_no);
  }
  if (!cols) throw FormatError(source + ":1: empty file: missing the header Injection,Layer,TensorIndex,Bit");
  return list;
}

FaultList read_fault_list(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path.string() + ": cannot open for reading");
  return parse_fault_list(in, path.string());
}

std::string tensor_index_to_string(const std::vector<int64_t>& index) {
  std::string out = "(";
  for (size_t i = 0; i < index.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(index[i]);
  }
  if (index.size() == 1) out += ",";
  out += ")";
  return out;
}

std::string format_fault_list(const FaultList& list, const WriteOptions& options) {
  FAULTBENCH_CHECK(list.results.empty() || list.results.size() == list.faults.size(),
                   "format_fault_list: results do not match the faults");
  bool any_model = false;
  for (const Fault& f : list.faults) any_model |= f.model != FaultModel::BitFlip;
  const bool results = options.results && list.has_results();
  std::string out = "Injection,Layer,TensorIndex,Bit";
  if (any_model) out += std::string(",") + kModelColumn;
  if (results) out += ",n_injections,masked,non_critical,critical";
  out += "\n";
  out.reserve(list.faults.size() * 48);
  for (size_t i = 0; i < list.faults.size(); ++i) {
    const Fault& f = list.faults[i];
    out += fmt::format("{},{},{},{}", f.injection, csv_field(f.site.layer),
                       csv_field(tensor_index_to_string(f.site.index)), f.site.bit);
    if (any_model) out += std::string(",") + fault_model_name(f.model);
    if (results) {
      const FaultResult& r = list.results[i];
      out += fmt::format(",{},{},{},{}", r.n_injections, r.masked, r.non_critical, r.critical);
    }
    out += "\n";
  }
  return out;
}

void write_fault_list(const std::filesystem::path& path, const FaultList& list, const WriteOptions& options) {
  write_file_atomically(path, format_fault_list(list, options));
}

}  // namespace faultbench
