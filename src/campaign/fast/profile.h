// EngineOptions::profile for the fast mode, at no cost when off: the suffix recomputation
// is a template over one of two timers, chosen once per fault (simulation.cpp), so the
// timing calls of the hot loop are empty inline functions when profiling is off.
#pragma once
#include <chrono>
#include <cstdint>
#include <vector>

#include "ids.h"

namespace faultbench::campaign_detail {

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One worker's sums: nanoseconds and images per step, per faulty node.
struct WorkerProfile {
  IdVector<StepId, int64_t> step_ns, step_images, step_resumed;
  std::vector<int64_t> node_ns, node_images, node_dropped;

  void reset(size_t steps, size_t nodes) {
    for (auto* v : {&step_ns, &step_images, &step_resumed}) v->assign(steps, 0);
    for (auto* v : {&node_ns, &node_images, &node_dropped}) v->assign(nodes, 0);
  }
};

struct ProfileOff {
  explicit ProfileOff(WorkerProfile&) {}
  int64_t start() const { return 0; }
  void step(StepId, int64_t, int) {}
  void resumed(StepId, int) {}
  void dropped(int, int64_t) {}
};

struct ProfileOn {
  explicit ProfileOn(WorkerProfile& p) : p_(p) {}
  int64_t start() const { return now_ns(); }
  void step(StepId s, int64_t t0, int images) {
    p_.step_ns[s] += now_ns() - t0;
    p_.step_images[s] += images;
  }
  void resumed(StepId s, int images) { p_.step_resumed[s] += images; }
  void dropped(int node, int64_t images) { p_.node_dropped[size_t(node)] += images; }

 private:
  WorkerProfile& p_;
};

}  // namespace faultbench::campaign_detail
