// Campaign result tables as `faultbench compare` reads them: faultbench's own RESULTS.csv,
// the published lists with their result columns, or the PyTorch oracle's
// Injection,masked,non_critical,critical.
#pragma once
#include <cstdint>
#include <filesystem>
#include <istream>
#include <string>
#include <vector>

#include "faultbench/faults/fault.h"

namespace faultbench {

struct ResultRow {
  int64_t injection = 0;
  std::string layer, tensor_index;               // empty when the file has no such column
  int bit = -1;                                  // -1 when absent
  FaultModel fault_model = FaultModel::BitFlip;  // the FaultModel column; bitflip when absent
  int64_t masked = 0, non_critical = 0, critical = 0;
  // Images the fault was run on: the n_injections column, or masked + non_critical +
  // critical when the file has none (every injection is counted in exactly one of them).
  int64_t n_injections = 0;
  int64_t due = 0;   // the due column (NaN/Inf logits, counted on top of the classes); 0 when absent
  int64_t line = 0;  // 1-based line in the file
};

struct ResultTable {
  std::string source;
  // The file has the Layer, TensorIndex and Bit columns: its faults have sites, so two
  // such tables are paired by site (a fault's Injection id is only its row in one list).
  bool has_sites = false;
  bool has_due = false;          // the file has a due column
  bool has_site_counts = false;  // the file has a `sites` column (multi-bit / multi-site faults)
  std::vector<ResultRow> rows;   // file order
};

// Needs the columns Injection, masked, non_critical, critical (any order, others ignored;
// Layer, TensorIndex, Bit, FaultModel and n_injections are used when present).
// FormatError "file:line: rule" on a missing column, a malformed row, a negative count, a
// repeated Injection id, a repeated site (Layer, TensorIndex, Bit, FaultModel), or counts
// whose sum masked + non_critical + critical is not n_injections (or overflows).
// Read with the shared CSV reader (faultbench/util/csv.h).
ResultTable parse_result_table(std::istream& in, const std::string& source);
ResultTable read_result_table(const std::filesystem::path& path);

// The key two tables pair a fault by: layer, index (blanks removed), bit and fault model.
std::string site_key(const ResultRow& row);
// "conv1 (3, 0, 2, 1) bit 15" (", stuck-at-1" appended for other fault models).
std::string describe_site(const ResultRow& row);

}  // namespace faultbench
