// Comparing two campaign result files of the same fault list, e.g. ours against the
// published results or against the PyTorch oracle (Injection,masked,non_critical,critical).
// Rows are matched by Injection id.
#pragma once
#include <cstdint>
#include <filesystem>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace faultbench {

struct ResultRow {
  int64_t injection = 0;
  std::string layer, tensor_index;  // empty when the file has no such column
  int bit = -1;                     // -1 when absent
  int64_t masked = 0, non_critical = 0, critical = 0;
  int64_t line = 0;                 // 1-based line in the file
};

struct ResultTable {
  std::string source;
  std::vector<ResultRow> rows;  // file order
};

// Needs the columns Injection, masked, non_critical, critical (any order, others ignored;
// Layer, TensorIndex and Bit are kept when present). FormatError "file:line: rule" on a
// missing column, a malformed row, a negative count, a repeated Injection id, or (when
// the table has n_injections) counts whose sum masked + non_critical + critical is not
// n_injections. Read with the shared CSV reader (faultbench/util/csv.h).
ResultTable parse_result_table(std::istream& in, const std::string& source);
ResultTable read_result_table(const std::filesystem::path& path);

struct ClassTotals {
  int64_t masked = 0, non_critical = 0, critical = 0;
};

struct Disagreement {
  const ResultRow* a = nullptr;
  const ResultRow* b = nullptr;
  int64_t diff = 0;  // b.critical - a.critical
};

struct CompareReport {
  int64_t matched = 0, only_a = 0, only_b = 0;
  ClassTotals a, b;                   // over the matched rows
  std::optional<double> correlation;  // Pearson of per-fault critical counts; none when undefined
  double mean_abs_diff = 0;           // of per-fault critical counts
  int64_t max_abs_diff = 0;
  std::vector<Disagreement> worst;    // largest |diff| first, ties by Injection id
};

// The report points into `a` and `b`, which must outlive it.
CompareReport compare_results(const ResultTable& a, const ResultTable& b, size_t worst = 10);

// Human-readable report (what `faultbench compare` prints).
std::string format_compare_report(const CompareReport& r, const std::string& name_a, const std::string& name_b);

}  // namespace faultbench
