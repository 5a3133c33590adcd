// `faultbench campaign --shard K/N`: the K-th of N deterministic parts of a fault list, for
// clusters that run a campaign as a job array rather than one MPI job (docs/CLUSTER.md).
//
// The partition. The faults are put in the order the engine batches them (faulty node in
// forward order, list order inside a node: plan_fault_batches), and that order is cut into
// N consecutive runs of about equal cost, the cost of a fault being the fast mode's prior
// for it (the multiply-adds it recomputes: its output channel's share of its layer plus
// every layer after it; 1 for every fault in brute-force mode, where each runs the whole
// network). A part therefore holds whole layers except at its two ends, so its batches are
// the per-layer batches of an unsharded run, and the parts take about the same time
// whatever the list's mix of early (dear) and late (cheap) layers. Costs are integers and
// the cut is exact integer arithmetic: every machine computes the same parts. A part may be
// empty (more parts than faults, or one fault dearer than a part's share).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "faultbench/campaign/classify.h"
#include "faultbench/campaign/engine.h"
#include "faultbench/faults/fault.h"
#include "faultbench/graph.h"

namespace faultbench {

struct ShardSpec {
  int index = 0;  // K, 1-based; 0: not sharded
  int count = 0;  // N
  bool active() const { return count > 0; }
  std::string name() const;  // "K/N", "" when not sharded
};

// Parses "K/N" (1 <= K <= N <= 100000); UsageError naming `option` and the rule otherwise.
ShardSpec parse_shard(const std::string& text, const std::string& option = "--shard");

// The list positions (increasing) that part `shard` of `faults` holds.
std::vector<size_t> shard_positions(const Graph& graph, const std::vector<ResolvedFault>& faults, CampaignMode mode,
                                    const ShardSpec& shard);

// Increasing positions as runs [first, last] (inclusive), and back. The sidecar records a
// part's positions this way: a list sorted by layer gives a few runs per part.
std::vector<std::pair<int64_t, int64_t>> position_runs(const std::vector<size_t>& positions);

// A part's result file: the header and, for each of its positions, the very line an
// unsharded run writes for that fault (format_results_csv over the whole list), so that
// merging is putting lines back in list order.
std::string format_part_results_csv(const std::vector<Fault>& faults, const std::vector<FaultCounts>& counts,
                                    int64_t images, const std::vector<size_t>& positions,
                                    const std::vector<int>* sites = nullptr);

}  // namespace faultbench
