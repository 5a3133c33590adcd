#include "faultbench/campaign/work_distribution.h"

namespace faultbench {

bool LocalDistribution::run(const WorkPlan& plan, CampaignEngine& engine, const BatchDone& on_done,
                            const std::atomic<bool>* stop, const std::function<void(int64_t)>& on_work) {
  std::vector<ResolvedFault> sub;
  std::vector<FaultCounts> out;
  for (const std::vector<size_t>& batch : *plan.batches) {
    if (stop && stop->load()) return false;
    sub.clear();
    for (size_t i : batch) sub.push_back((*plan.faults)[i]);
    if (!engine.run(sub, out, stop, on_work)) return false;
    if (!on_done(batch, out)) return true;
  }
  return true;
}

}  // namespace faultbench
