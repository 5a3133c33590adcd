// RESULTS.csv.json, the campaign's sidecar: what was run (model, weights, data and the
// images chosen, fault list and how it was drawn, mode), its totals, the digest that makes
// RESULTS.csv complete, and how this run came about (command line, faultbench version and
// commit, CPU, start and end time). docs/RESULTS.md describes every field.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "faultbench/campaign/campaign.h"
#include "faultbench/campaign/journal.h"
#include "faultbench/faults/list_sidecar.h"

namespace faultbench {

struct CampaignRecord {
  const CampaignSpec* spec = nullptr;
  const CampaignBinding* binding = nullptr;
  int threads = 0;
  FaultCounts golden;  // the fault-free network's top-1 count
  const std::vector<FaultCounts>* counts = nullptr;
  std::string results_sha256;            // of RESULTS.csv's bytes
  std::vector<int64_t> image_indices;    // test-file indices of the images used
  std::optional<FaultListSidecar> list;  // how the fault list was drawn, when known
  // This run (a resumed campaign records the run that finished it).
  std::chrono::system_clock::time_point started, finished;
  double wall_seconds = 0;
  int64_t resumed_faults = 0;
  int processes = 1;                          // MPI ranks that ran it (recorded when > 1)
  const std::vector<size_t>* part = nullptr;  // --shard: the list positions of the part
  // --until-margin (spec->until_margin): the faults run (the rows of RESULTS.csv) and the
  // margins reached.
  int64_t rows = 0;
  const std::vector<GroupMargin>* margins = nullptr;
  bool margin_reached = false;
};

std::string campaign_sidecar_json(const CampaignRecord& record);

}  // namespace faultbench
