// Internals of CampaignEngine: what both modes share (the graph, the executor, the golden
// record) and the fast mode (fast/fast_mode.h). Not a public header.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "fast/fast_mode.h"
#include "faultbench/campaign/engine.h"
#include "faultbench/executor.h"
#include "golden_record.h"

namespace faultbench {

struct CampaignEngine::Impl {
  Graph graph;  // main copy; brute force corrupts it in place
  const ImageSet& images;
  EngineOptions options;
  std::unique_ptr<Executor> exec;  // multi-threaded
  campaign_detail::GoldenRecord golden;
  std::unique_ptr<campaign_detail::FastMode> fast;  // made by the first fast run

  Impl(const Graph& g, const ImageSet& im, EngineOptions o);
  // false when `stop` was set before the pass finished.
  bool ensure_golden(const std::atomic<bool>* stop = nullptr);
  int classes() const { return graph.classes; }
  // Runs faults[i] for i in `which` into out[i].
  bool run_brute_force(const std::vector<ResolvedFault>& faults, const std::vector<size_t>& which,
                       std::vector<FaultCounts>& out, const std::atomic<bool>* stop,
                       const std::function<void(int64_t)>& progress);
  // Brute force for an activation fault (activation_brute.cpp): every node run unfused,
  // the faulty node's output element changed in every image; false when stopped.
  bool run_activation_brute_force(const ResolvedFault& fault, FaultCounts& out, const std::atomic<bool>* stop);
  bool run_fast(const std::vector<ResolvedFault>& faults, const std::vector<size_t>& which,
                std::vector<FaultCounts>& out, const std::atomic<bool>* stop,
                const std::function<void(int64_t)>& progress);
};

}  // namespace faultbench
