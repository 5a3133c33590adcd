#include "golden_record.h"

#include <algorithm>

namespace faultbench::campaign_detail {

void GoldenRecord::init() {
  if (!known_.empty()) return;
  const int64_t n = images_.size();
  logits_.assign(size_t(n * k_), 0.0f);
  top1_.assign(size_t(n), 0);
  self_.assign(size_t(n), FaultCounts{});
  known_.assign(size_t(n), 0);
}

void GoldenRecord::record(int64_t first, int64_t count, const float* logits) {
  init();
  check_golden_logits(logits, first, count, k_, weights_name_);  // both modes pass here
  for (int64_t i = first; i < first + count; ++i) {
    if (known_[size_t(i)]) continue;
    float* l = logits_.data() + i * k_;
    std::copy(logits + (i - first) * k_, logits + (i - first + 1) * k_, l);
    top1_[size_t(i)] = top1_index(l, k_);
    classify_image(l, top1_[size_t(i)], l, k_, images_.labels[size_t(i)], self_[size_t(i)]);
    total_ += self_[size_t(i)];
    known_[size_t(i)] = 1;
    ++known_count_;
  }
  ready_ = known_count_ == images_.size();
}

}  // namespace faultbench::campaign_detail
