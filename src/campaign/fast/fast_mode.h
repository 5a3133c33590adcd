// The campaign engine's fast mode. Per chunk of images, one golden pass through the
// executor's fused schedule keeps every stored value (golden_pass.cpp); then every fault
// of the run is simulated against it by the worker threads (simulation.h): only the steps
// downstream of the faulty one are recomputed.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "../golden_record.h"
#include "faultbench/campaign/engine.h"
#include "faulty_steps.h"
#include "simulation.h"

namespace faultbench::campaign_detail {

// Whether the fast mode runs `fault` (the engine's one decision; the others run by brute
// force): every fault of a fp32-typed graph (fp32, tf32, bf16, fp16); under int8, a weight
// fault whose sites are all weights of int8 conv or linear nodes (their faulty channels are
// recomputed with integer sums, Executor::run_step_channel). Under int8, activation faults
// and any other site (a bias) run by brute force.
bool fast_mode_runs(const Graph& graph, const ResolvedFault& fault);

class FastMode {
 public:
  // Everything is referenced and must outlive the fast mode; `graph` must not change while
  // run() runs (brute force changes it between runs, and restores it).
  FastMode(const Graph& graph, Executor& exec, const ImageSet& images, const EngineOptions& options,
           GoldenRecord& golden);

  // Simulates faults[i] for i in `which`, adding each one's counts to out[i]; false when
  // `stop` was set (polled between chunks).
  bool run(const std::vector<ResolvedFault>& faults, const std::vector<size_t>& which, std::vector<FaultCounts>& out,
           const std::atomic<bool>* stop, const std::function<void(int64_t)>& progress);

  // Sums over every run so far (EngineOptions::profile; empty without it).
  EngineProfile profile() const;

 private:
  void ensure_workers();
  int chunk_images() const;
  // The golden values (and partial sums) of images first.., and their logits checked
  // against / recorded in the golden record (golden_pass.cpp).
  void compute_golden_chunk(int64_t first, int count);
  void run_golden_pass(int count);
  // The fault's own weights and its suffix plan (made on first use).
  FaultRun prepare(const ResolvedFault& fault);
  FaultCounts simulate_fault(const ResolvedFault& fault, const FaultRun& run, Worker& w) const;
  SimContext context() const;

  const Graph& graph_;
  Executor& exec_;
  ExecutorSteps steps_;
  const ImageSet& images_;
  const EngineOptions& options_;
  GoldenRecord& golden_;

  StepIndex index_;
  SuffixPlans plans_;  // by faulty steps
  BufferPool golden_pool_;
  GoldenChunk chunk_;
  ResumePoints resume_;  // grows with the faulty steps run
  std::vector<std::unique_ptr<Worker>> workers_;
  bool reverse_chunks_ = false;       // alternate the chunk order per run: the last chunk is reused
  int64_t golden_ns_ = 0;             // EngineOptions::profile
  std::vector<int64_t> node_faults_;  // EngineOptions::profile: faults run, per node
};

}  // namespace faultbench::campaign_detail
