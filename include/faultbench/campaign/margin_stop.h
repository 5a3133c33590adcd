// `campaign --until-margin E`: iterative statistical fault injection. The list's faults run
// in a seeded random order, and the campaign stops once the confidence interval of the
// critical rate is at most E wide on each side, in every group asked for (the whole model,
// each layer or each bit position).
//
// The rate is the image-level critical rate (critical injections / injections: the failure
// rate of the published campaigns). The sampling unit is the fault, drawn without
// replacement from the group's faults in the list, so the interval is the Wilson score
// interval over the faults run with the finite population correction for the group's
// listed faults (intervals.h: wilson_fpc_interval). Once every fault of a group has run its
// rate is exact (half-width 0): a campaign always ends, at the latest with the whole list.
//
// The order is CPython's random.Random(seed).shuffle(list(range(faults))), so it can be
// reproduced in Python; the stopping rule is checked after every kMarginCheckEvery faults of
// that order, whatever the batch size or interruptions, so a resumed campaign stops where an
// uninterrupted one would.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "faultbench/campaign/classify.h"
#include "faultbench/faults/fault.h"

namespace faultbench {

enum class MarginGroups { Model, Layer, Bit };
const char* margin_groups_name(MarginGroups per);  // "model" | "layer" | "bit"

struct MarginStop {
  double margin = 0.01;      // E: the largest half-width accepted
  double confidence = 0.99;  // of the interval
  MarginGroups per = MarginGroups::Model;
  int64_t seed = 0;  // of the order
  // The canonical text recorded in the campaign binding: "margin 0.01, confidence 0.99,
  // per model, seed 0".
  std::string describe() const;
};

inline constexpr int64_t kMarginCheckEvery = 64;

// Python's random.Random(seed).shuffle(list(range(n))).
std::vector<size_t> shuffled_order(size_t n, int64_t seed);

// The check points of a seeded order: check point k covers the order's first
// min(n, (k+1) * kMarginCheckEvery) faults and is evaluated once all of them are done, over
// exactly those faults. Batches may finish in any order (MPI ranks) and a campaign may be
// resumed with other batch sizes: the faults each evaluation sees stay the same.
class MarginCheckpoints {
 public:
  MarginCheckpoints() = default;
  // `done`: list positions already done (resumed from a journal).
  MarginCheckpoints(std::vector<size_t> order, const std::vector<char>& done);
  size_t size() const { return ends_.size(); }
  // The faults of check point k that are not done yet (its new part of the order).
  const std::vector<size_t>& todo(size_t k) const { return todo_[k]; }
  void mark_done(size_t position);
  // The next check point has every fault done.
  bool next_ready() const;
  // Moves past the next check point; returns the mask of the faults evaluated so far.
  const std::vector<char>& advance();
  const std::vector<char>& evaluated() const { return evaluated_; }

 private:
  std::vector<size_t> order_, ends_;       // ends_[k]: the order's length at check point k
  std::vector<std::vector<size_t>> todo_;  // per check point
  std::vector<int64_t> outstanding_;       // per check point: faults not done
  std::vector<size_t> checkpoint_of_;      // per list position
  std::vector<char> evaluated_;            // per list position
  size_t next_ = 0;
};

struct GroupMargin {
  std::string group;  // "all", a layer, a bit
  int64_t faults_run = 0, faults_listed = 0;
  int64_t critical = 0, injections = 0;
  double rate = 0, half_width = 0.5;
};

// The critical rate and half-width of every group over the faults done (done[i] != 0),
// groups in list order of first appearance (bits 0..31).
std::vector<GroupMargin> group_margins(const std::vector<Fault>& faults, const std::vector<FaultCounts>& counts,
                                       const std::vector<char>& done, MarginGroups per, double z);

// Every group's half-width is at most `margin`.
bool margins_reached(const std::vector<GroupMargin>& groups, double margin);

// The widest group: what the progress line shows ("critical 1.23% +-0.45% (layer3.2.conv1)").
const GroupMargin* widest_group(const std::vector<GroupMargin>& groups);

}  // namespace faultbench
