// Multi-site faults in the engine (not a public header): applying all sites of a fault to
// the graph for brute force, and which faults the fast mode runs itself.
#pragma once
#include <cstdint>
#include <vector>

#include "faultbench/campaign/engine.h"
#include "faultbench/executor.h"

namespace faultbench::campaign_detail {

// Applies every site of `fault` to graph's weights in order (two sites of one weight: one
// after the other) and tells the executor; restore() puts the weights back, last first.
class AppliedFault {
 public:
  AppliedFault(Graph& graph, Executor& exec, const ResolvedFault& fault);
  ~AppliedFault();
  AppliedFault(const AppliedFault&) = delete;
  AppliedFault& operator=(const AppliedFault&) = delete;

 private:
  Graph& graph_;
  Executor& exec_;
  std::vector<ResolvedSite> sites_;
  std::vector<float> original_;  // each site's weight before that site was applied
};

// Whether every site is in the first site's output channel of its layer: the fast mode
// then runs the fault as one faulty channel (multi-bit faults of one weight always are).
// The others run by brute force inside a fast-mode run (correct, not fast).
bool fast_mode_runs(const Graph& graph, const ResolvedFault& fault);

// Whether no site changes its weight's bits (a stuck-at on bits already at the value).
bool changes_nothing(const Graph& graph, const ResolvedFault& fault);

}  // namespace faultbench::campaign_detail
