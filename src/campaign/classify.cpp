#include "faultbench/campaign/classify.h"

#include <bit>
#include <cmath>
#include <cstdint>

#include <fmt/format.h>

#include "faultbench/error.h"
#include "faultbench/tensor.h"

namespace faultbench {

void classify_image(const float* golden, int golden_top1, const float* faulty, int k, int label, FaultCounts& counts) {
  bool equal = true, finite = true;
  for (int i = 0; i < k; ++i) {
    if (!std::isfinite(faulty[i])) finite = false;
    // Bit patterns, so -0 != +0; a NaN is never "equal" even with the same payload.
    if (std::bit_cast<uint32_t>(faulty[i]) != std::bit_cast<uint32_t>(golden[i]) || std::isnan(faulty[i]))
      equal = false;
  }
  const int t = top1_index(faulty, k);
  if (equal)
    ++counts.masked;
  else if (t == golden_top1)
    ++counts.non_critical;
  else
    ++counts.critical;
  if (!finite) ++counts.due;
  if (t == label) ++counts.top1_correct;
}

void check_golden_logits(const float* logits, int64_t first, int64_t count, int k, const std::string& weights) {
  for (int64_t i = 0; i < count * k; ++i)
    if (!std::isfinite(logits[i]))
      throw FormatError(fmt::format(
          "{}: the fault-free network gives test image {} a non-finite logit (logit {} = {}): every fault would be "
          "DUE; a golden network must give finite logits (check the weights, e.g. a negative BatchNorm running_var)",
          weights, first + i / k, i % k, logits[i]));
}

}  // namespace faultbench
