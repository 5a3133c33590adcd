// `faultbench report`: the rates a campaign estimates, with their intervals, per layer, bit,
// layer type and bit field, written as summary.json, long-format CSVs and a self-contained
// HTML page with its figures (also as SVG files). docs/REPORT.md describes every field.
//
// Two levels of rate, for each class (masked, non_critical, critical, due):
//   image level  injections of the class / all injections (fault x image) of the group:
//                the "failure rate" of the dnn-benchmarks papers;
//   fault level  faults whose worst outcome over their images is the class (due, then
//                critical, non_critical, masked) / faults of the group.
// Sampling unit: the fault. Intervals are over the n faults of the group (an image-level
// rate is the mean of per-fault rates in [0, 1], whose variance is at most p (1 - p), so
// the binomial intervals bound it; counting the n x images injections as independent
// would understate the error). See intervals.h for the two intervals.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "faultbench/campaign/intervals.h"
#include "faultbench/campaign/result_table.h"
#include "faultbench/graph/numerics.h"

namespace faultbench {

// One result file with what is known about it.
struct ReportSource {
  std::filesystem::path path;
  std::string label;                                  // the file name, made unique
  std::string model, dataset, numerics, fault_model;  // "" when unknown
  std::string target = "weights";                     // the sidecar's "target" (weights | activations)
  std::optional<double> sampled_population;           // the sidecar's fault_list.sampling.population
  int64_t images = 0;                                 // images per fault (sidecar), 0 when unknown
  std::string metadata;                               // "sidecar" | "options" | "none"
  ResultTable table;
};

// The fault population of each group, for the Leveugle margins: a group of single-bit faults
// on W sites of a B-bit format has W x B bits x 2 polarities (as the published lists'
// Leveugle sampling counts it; B = numerics_weight_bits, 32 for fp32), from the zoo; empty
// when the model is unknown (an imported network).
struct Populations {
  std::map<std::string, int64_t> layer_weights;  // sites per layer: weights, or output values (activations)
  std::map<std::string, int64_t> type_weights;   // "conv" (4-D weights), "linear" (2-D); "3-d", "1-d" (activations)
  int64_t weights = 0;
  Numerics numerics = Numerics::Fp32;  // the format whose bits the faults flip
  // W x B x 2 counts the faults: single-bit, single-site faults. False for multi-bit and
  // multi-site lists (a result file with a `sites` column), whose groups then have no
  // population except the model's `sampled`.
  bool single_bit = true;
  // N as the list's sampler counted it (the campaign sidecar's fault_list.sampling), when
  // known: the model group's population (it also counts int8 bias sites and multi-site sets).
  std::optional<double> sampled;
};
// `target`: "weights" (conv and linear weights) or "activations" (fault_sites /
// activation_sites of the zoo model).
Populations zoo_populations(const std::string& model, const std::string& dataset, Numerics numerics = Numerics::Fp32,
                            const std::string& target = "weights");

struct ClassCounts {
  int64_t masked = 0, non_critical = 0, critical = 0, due = 0;
  int64_t get(int cls) const;  // cls: kClasses order
};
inline constexpr const char* kClasses[] = {"masked", "non_critical", "critical", "due"};

struct GroupStats {
  std::string grouping;  // "model", "layer", "bit", "layer_type", "bit_field"
  std::string group;     // "all", a layer name, "0".."31", "conv"/"linear", "sign"/"exponent"/"mantissa"/"value"
  int64_t faults = 0, fault_images = 0;
  std::optional<double> population;  // N for the Leveugle correction
  ClassCounts images;                // injections per class
  ClassCounts worst;                 // faults per worst class
  int64_t critical_any = 0;          // faults critical for at least one image
  bool has_due = false;              // the file has a due column
};

struct Rate {
  double rate = 0;
  stats::Interval wilson;
  std::optional<stats::Interval> leveugle_fpc;  // none when the population is unknown
};
enum class RateLevel { Image, Fault };
// cls in kClasses order; z the two-sided quantile.
Rate group_rate(const GroupStats& g, RateLevel level, int cls, double z);

// Every grouping of one table, in a fixed order: model, layer (file order of first
// appearance), bit 0..31 (present bits), layer_type, bit_field.
std::vector<GroupStats> group_stats(const ResultTable& table, const Populations& populations, bool has_due);

// Faults per bin of critical images: bin 0 holds 0, bin k >= 1 holds [2^(k-1), 2^k).
std::vector<int64_t> critical_histogram(const ResultTable& table);

struct ReportOptions {
  double confidence = 0.99;
  std::string model, dataset;  // for files without a sidecar
  // The numerics of the files without a sidecar ("" = not recorded: the published lists do
  // not say; their GPUs ran tf32-published, docs/NUMERICS.md).
  std::string numerics;
  std::filesystem::path out_dir;
};

// Reads each file and its sidecar (RESULTS.csv.json, when present). FormatError / IoError
// naming the file; UsageError when a file lacks a sidecar and --model/--dataset are missing
// is NOT raised: the model is then unknown and the population-corrected margins are absent.
std::vector<ReportSource> read_report_sources(const std::vector<std::filesystem::path>& files,
                                              const ReportOptions& options);

// Writes summary.json, rates.csv, histogram.csv, report.html and the figures' SVG files
// into options.out_dir (created when missing). Returns the paths written.
std::vector<std::filesystem::path> write_report(const std::vector<ReportSource>& sources, const ReportOptions& options);

}  // namespace faultbench
