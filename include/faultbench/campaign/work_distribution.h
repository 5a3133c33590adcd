// Who runs a campaign's batches: this process (LocalDistribution) or the ranks of an MPI
// job (faultbench/cluster/mpi_distribution.h, built only with MPI). run_campaign plans the
// batches, journals every finished one and publishes the results; the distribution only
// decides where each batch runs. A batch's counts do not depend on where or with which
// others it ran (docs/DETERMINISM.md), so RESULTS.csv is the same bytes for any.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "faultbench/campaign/engine.h"
#include "faultbench/campaign/journal.h"

namespace faultbench {

struct WorkPlan {
  const CampaignBinding* binding = nullptr;                   // what every worker must have loaded
  const std::vector<ResolvedFault>* faults = nullptr;         // the whole list, by position
  const std::vector<std::vector<size_t>>* batches = nullptr;  // positions; run each once
};

// A finished batch, on the thread that called run(). Return false to hand out no more
// work (run() then waits for the batches in flight, passes them on, and returns true).
using BatchDone = std::function<bool(const std::vector<size_t>& batch, const std::vector<FaultCounts>& counts)>;

class WorkDistribution {
 public:
  virtual ~WorkDistribution() = default;
  // Runs every batch of `plan` (in any order, anywhere) and passes each to on_done.
  // `engine` is this process's engine (loaded with the same inputs). `stop` ends the call
  // early: false is returned once the batches in flight are finished or abandoned.
  // on_work(fault_images) reports this process's finished work (from its engine threads).
  virtual bool run(const WorkPlan& plan, CampaignEngine& engine, const BatchDone& on_done,
                   const std::atomic<bool>* stop, const std::function<void(int64_t)>& on_work) = 0;
  // Processes taking part (1 for LocalDistribution), for messages and the sidecar.
  virtual int processes() const { return 1; }
};

// Runs the batches one after the other in this process, in plan order.
class LocalDistribution : public WorkDistribution {
 public:
  bool run(const WorkPlan& plan, CampaignEngine& engine, const BatchDone& on_done, const std::atomic<bool>* stop,
           const std::function<void(int64_t)>& on_work) override;
};

}  // namespace faultbench
