// Comparing two campaign result files, e.g. ours against the published results or against
// the PyTorch oracle (Injection,masked,non_critical,critical).
//
// Faults are paired by site (Layer, TensorIndex, Bit and FaultModel, bitflip when the
// column is absent) when both tables have the site columns: an Injection id is only a row
// number of one list, and two unrelated lists share ids. When a table lacks them (the
// oracle file refers to the Injection ids of the published list) faults are paired by
// Injection id, and the report says so.
//
// A comparison means something only over the same faults and the same images:
// require_comparable() refuses (NotComparableError, exit 1 in the CLI) when a fault is on
// one side only (unless allow_partial) or when paired faults were run on different image
// counts (unless rates: then per-fault rates count / n_injections are compared).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "faultbench/campaign/result_table.h"
#include "faultbench/error.h"

namespace faultbench {

// The two tables cannot be compared as asked (different faults or image counts).
class NotComparableError : public Error {
 public:
  using Error::Error;
};

struct CompareOptions {
  size_t worst = 10;           // disagreeing faults listed
  size_t examples = 3;         // faults on one side only, listed per side
  bool rates = false;          // compare count / n_injections instead of counts
  bool allow_partial = false;  // compare the common faults when the fault sets differ
};

enum class Pairing { Site, Injection };

struct ClassTotals {
  int64_t masked = 0, non_critical = 0, critical = 0;
  int64_t images = 0;  // sum of n_injections (fault-images)
};

struct ImageRange {
  int64_t min = 0, max = 0;  // n_injections over the matched faults of one side
};

struct Disagreement {
  const ResultRow* a = nullptr;
  const ResultRow* b = nullptr;
  double diff = 0;  // b - a: critical counts, or critical rates with CompareOptions::rates
};

struct CompareReport {
  Pairing pairing = Pairing::Site;
  std::string pairing_note;  // why by Injection, e.g. "B has no Layer, TensorIndex, Bit columns"
  int64_t matched = 0, only_a = 0, only_b = 0;
  std::vector<const ResultRow*> only_a_first, only_b_first;  // the first CompareOptions::examples
  ImageRange images_a, images_b;
  int64_t image_mismatches = 0;  // matched faults whose n_injections differ
  bool rates = false;
  ClassTotals a, b;                   // over the matched rows
  std::optional<double> correlation;  // Pearson of per-fault critical counts (rates); none when undefined
  double mean_abs_diff = 0;           // of per-fault critical counts (rates)
  double max_abs_diff = 0;
  std::vector<Disagreement> worst;  // largest |diff| first, ties by A's Injection id
};

// The report points into `a` and `b`, which must outlive it. Never refuses on its own
// (see require_comparable); FormatError when counts overflow or, with rates, a paired
// fault has n_injections 0.
CompareReport compare_results(const ResultTable& a, const ResultTable& b, const CompareOptions& options);
CompareReport compare_results(const ResultTable& a, const ResultTable& b, size_t worst = 10);

// NotComparableError naming both files and what differs, with the option that lifts the
// refusal: fault sets that differ (--allow-partial), image counts that differ without
// rates (--rates), or no fault in common at all (nothing lifts that).
void require_comparable(const CompareReport& r, const CompareOptions& options, const std::string& name_a,
                        const std::string& name_b);

// What a partial comparison leaves out, one line each (empty when the fault sets agree).
// The files are those the report calls A and B.
std::vector<std::string> compare_warnings(const CompareReport& r);

// Human-readable report (what `faultbench compare` prints).
std::string format_compare_report(const CompareReport& r, const std::string& name_a, const std::string& name_b);

}  // namespace faultbench
