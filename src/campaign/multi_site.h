// Multi-site faults in the engine (not a public header): applying all sites of a fault to
// the graph for brute force, and faults that change nothing. (The fast mode runs a fault
// as its faulty channels per faulty step: fast/faulty_steps.h.)
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

// Whether no site changes its weight's bits (a stuck-at on bits already at the value).
bool changes_nothing(const Graph& graph, const ResolvedFault& fault);

}  // namespace faultbench::campaign_detail
