#include "buffers.h"

#include <algorithm>

namespace faultbench::campaign_detail {

AlignedBuffer BufferPool::acquire(size_t floats) {
  floats = std::max<size_t>(floats, 16);
  size_t best = free_.size();
  for (size_t i = 0; i < free_.size(); ++i)
    if (free_[i].size() >= floats && (best == free_.size() || free_[i].size() < free_[best].size())) best = i;
  if (best < free_.size()) {
    AlignedBuffer b = std::move(free_[best]);
    free_.erase(free_.begin() + std::ptrdiff_t(best));
    return b;
  }
  if (!free_.empty()) free_.pop_back();  // grow instead of adding: drop one too-small buffer
  // Whole 64-byte lines, uninitialised: every buffer is written before it is read.
  AlignedBuffer b;
  b.resize_uninitialized((floats * sizeof(float) + 63) / 64 * 64 / sizeof(float));
  return b;
}

void BufferPool::release(AlignedBuffer&& buf) {
  if (buf) free_.push_back(std::move(buf));
}

}  // namespace faultbench::campaign_detail
