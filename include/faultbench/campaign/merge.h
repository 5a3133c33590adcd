// `faultbench merge PARTS... --out RESULTS.csv`: the parts of a sharded campaign (`campaign
// --shard K/N`, shard.h) put back together into the RESULTS.csv an unsharded run writes,
// byte for byte, and its sidecar.
//
// Every part must be a complete part (its CSV has the bytes its sidecar's digest names, one
// row per position it lists) of one campaign: the same binding (model, dataset, weights,
// test images, fault list, fault model: all their digests), the same mode, golden result and
// part count N, and together the N parts hold every fault of the list exactly once. A file
// that breaks a rule is named with the rule (FormatError for a file that is not a complete
// part, UsageError for parts that do not go together).
//
// The merged sidecar is the one an unsharded run writes, except: "threads" is null when the
// parts ran with different thread counts, and "run" describes the merge (its command line,
// faultbench version, time) and lists each part's file, shard and "run" object.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace faultbench {

struct MergeSpec {
  std::vector<std::filesystem::path> parts;  // each with its sidecar beside it (PART.json)
  std::filesystem::path out;                 // its sidecar: out + ".json"
  std::vector<std::string> command_line;     // recorded in the sidecar
};

struct MergeReport {
  int parts = 0;
  int64_t faults = 0;
  bool unchanged = false;  // --out already held these bytes (the sidecar is rewritten)
};

// Checks the outputs against the inputs (faultbench/util/output_paths.h), the parts against
// each other, then writes --out and its sidecar atomically (the sidecar first, as a campaign
// does). An existing --out is replaced only when its sidecar binds it to the same campaign.
MergeReport merge_campaign_parts(const MergeSpec& spec);

}  // namespace faultbench
