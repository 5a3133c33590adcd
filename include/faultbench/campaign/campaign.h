// A whole campaign as the CLI runs it: load model, weights, images and fault list, resume
// from the journal, run the missing faults batch by batch (each batch journaled and
// fsync'd), then write RESULTS.csv and its sidecar RESULTS.csv.json atomically.
//
// Files beside --out (say RESULTS.csv):
//   RESULTS.csv.journal  while the campaign is unfinished (removed when it completes)
//   RESULTS.csv.json     sidecar: faultbench version, inputs and their sha256, mode...
// A campaign is finished only when RESULTS.csv and its sidecar are both complete: the
// sidecar parses and records the sha256 of RESULTS.csv (older sidecars: RESULTS.csv parses
// with one row per fault). Rerunning a finished campaign with the same inputs changes
// nothing; with other inputs it refuses (UsageError saying which input differs) rather
// than mix or overwrite. Results of the same inputs that are empty, cut short or missing
// are not a finished campaign: it runs again and says so in the report's note. A
// RESULTS.csv or sidecar without the other is refused (not known to be ours).
//
// Before any work, every output (RESULTS.csv, sidecar, journal) is checked against every
// input and the others (campaign_io_plan, faultbench/util/output_paths.h), and the journal
// is locked: a second campaign on the same --out fails (IoError naming the first's pid).
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "faultbench/campaign/engine.h"
#include "faultbench/campaign/margin_stop.h"
#include "faultbench/campaign/progress.h"
#include "faultbench/campaign/shard.h"
#include "faultbench/data/image_selection.h"
#include "faultbench/faults/activation_sites.h"
#include "faultbench/faults/fault.h"
#include "faultbench/util/output_paths.h"

namespace faultbench {

class WorkDistribution;

struct CampaignSpec {
  std::string model, dataset;
  std::filesystem::path weights, data_dir, faults, out;
  ImageSelection images;                  // which test images (default: all of them)
  std::optional<FaultModel> fault_model;  // overrides every fault's model when set
  Numerics numerics = Numerics::Fp32;     // the arithmetic (docs/NUMERICS.md)
  // What the list's sites are: weights (permanent faults) or activations (transient
  // faults, faults/activation_sites.h); a list whose sidecar records the other is refused.
  FaultTarget target = FaultTarget::Weights;
  int64_t calibration_images = 100;       // int8: calibrate on the first K test images (int8_setup.h)
  bool calibration_given = false;         // --calibration-images was given (refused for a quantized model)
  EngineOptions engine;                   // threads, mode, memory
  int fault_batch = 0;                    // faults per journaled batch; 0: automatic
  std::vector<std::string> command_line;  // recorded in the sidecar (the CLI's argv)
  ShardSpec shard;                        // --shard K/N: only that part of the list (shard.h)
  // Where the batches run (work_distribution.h); null: in this process.
  WorkDistribution* distribution = nullptr;
  // Run the faults in a seeded random order and stop at the margin (margin_stop.h); none:
  // every fault, in list order.
  std::optional<MarginStop> until_margin;
};

enum class CampaignStatus { Completed, AlreadyComplete, Interrupted };

struct CampaignReport {
  CampaignStatus status = CampaignStatus::Completed;
  int64_t faults = 0, images = 0;  // faults: of the part, with --shard
  int64_t resumed_faults = 0;      // taken from the journal
  int64_t done_faults = 0;         // journaled when the call returned
  std::string note;                // e.g. a torn journal record that was dropped
  std::filesystem::path journal;
  EngineProfile profile;  // when spec.engine.profile (faults run by this call only)
  // --until-margin: the groups' rates and half-widths over the faults done, and whether
  // every half-width reached the margin (false: the list ran out first, or interrupted).
  std::vector<GroupMargin> margins;
  bool margin_reached = false;
};

// Runs or resumes the campaign. `stop` (e.g. set by SIGINT) ends it after abandoning the
// batch in flight; the journal keeps every finished batch (status Interrupted).
CampaignReport run_campaign(const CampaignSpec& spec, const std::atomic<bool>* stop = nullptr,
                            ProgressReporter* progress = nullptr);

// The inputs and outputs of the campaign (callers add their own, e.g. --profile).
IoPlan campaign_io_plan(const CampaignSpec& spec);

std::filesystem::path journal_path_for(const std::filesystem::path& out);  // out + ".journal"
std::filesystem::path sidecar_path_for(const std::filesystem::path& out);  // out + ".json"

}  // namespace faultbench
