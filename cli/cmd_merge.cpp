// faultbench merge PARTS... --out RESULTS.csv: the parts of a campaign run as a job array
// (`campaign --shard K/N`) into the RESULTS.csv and sidecar of the whole campaign
// (faultbench/campaign/merge.h; docs/CLUSTER.md).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "common.h"
#include "faultbench/campaign/merge.h"

namespace faultbench::cli {

void add_merge_command(CLI::App& app) {
  struct Options {
    std::vector<std::string> parts;
    std::string out;
  };
  auto o = std::make_shared<Options>();
  auto* cmd =
      app.add_subcommand("merge", "Merge the parts of a sharded campaign (campaign --shard K/N) into one result");
  cmd->add_option("PARTS", o->parts, "the N part result CSVs (their .json sidecars beside them), any order")
      ->required();
  cmd->add_option("--out", o->out, "merged result CSV (byte-identical to an unsharded run); sidecar beside it")
      ->required();
  cmd->callback([o] {
    MergeSpec spec;
    for (const std::string& p : o->parts) spec.parts.emplace_back(p);
    spec.out = o->out;
    spec.command_line = command_line();
    const MergeReport r = merge_campaign_parts(spec);
    std::fprintf(stderr, "merge: %d parts, %lld faults: results in %s (sidecar %s.json)%s\n", r.parts,
                 static_cast<long long>(r.faults), o->out.c_str(), o->out.c_str(),
                 r.unchanged ? " (already held these bytes)" : "");
  });
}

}  // namespace faultbench::cli
