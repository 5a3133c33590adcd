// Per-image outcome of a fault, exactly as the reference campaigns classify it.
//
// For one image, compare the faulty logits [K] with the golden (fault-free) logits [K]:
//   masked       all K logits bitwise equal to golden, and none is NaN
//   non_critical not masked, top-1 class equal to golden top-1
//   critical     top-1 class differs (SDC-1)
// and, counted on top of those three classes:
//   due          the faulty logits contain a NaN or an Inf
//   top1_correct the faulty top-1 equals the image's label
// Top-1 is torch/numpy argmax: the largest logit, ties to the lowest index, and the
// first NaN counts as the largest.
#pragma once
#include <cstdint>
#include <string>

namespace faultbench {

struct FaultCounts {
  int64_t masked = 0;
  int64_t non_critical = 0;
  int64_t critical = 0;
  int64_t due = 0;
  int64_t top1_correct = 0;

  int64_t images() const { return masked + non_critical + critical; }
  FaultCounts& operator+=(const FaultCounts& o) {
    masked += o.masked;
    non_critical += o.non_critical;
    critical += o.critical;
    due += o.due;
    top1_correct += o.top1_correct;
    return *this;
  }
  bool operator==(const FaultCounts&) const = default;
};

// Adds the outcome of one image to `counts`. golden_top1 must be top1_index(golden, k)
// (tensor.h: the argmax rule above).
void classify_image(const float* golden, int golden_top1, const float* faulty, int k, int label, FaultCounts& counts);

// The one rule for a fault-free ("golden") network, applied by `faultbench eval` and by
// both campaign modes: every logit of every image is finite. A NaN or an Inf there (say,
// from a negative BatchNorm running_var) makes every fault DUE and top-1 meaningless.
// `logits` holds images first .. first+count-1 ([count, k]); FormatError naming `weights`,
// the first such image, the logit and the rule.
void check_golden_logits(const float* logits, int64_t first, int64_t count, int k, const std::string& weights);

}  // namespace faultbench
