#include "buffers.h"

#include <algorithm>
#include <new>

namespace faultbench::campaign_detail {

FloatBuf BufferPool::acquire(size_t floats) {
  floats = std::max<size_t>(floats, 16);
  size_t best = free_.size();
  for (size_t i = 0; i < free_.size(); ++i)
    if (free_[i].capacity >= floats && (best == free_.size() || free_[i].capacity < free_[best].capacity)) best = i;
  if (best < free_.size()) {
    FloatBuf b = std::move(free_[best]);
    free_.erase(free_.begin() + std::ptrdiff_t(best));
    return b;
  }
  if (!free_.empty()) free_.pop_back();  // grow instead of adding: drop one too-small buffer
  FloatBuf b;
  const size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
  b.data.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
  if (!b.data) throw std::bad_alloc();
  b.capacity = bytes / sizeof(float);
  return b;
}

void BufferPool::release(FloatBuf&& buf) {
  if (buf) free_.push_back(std::move(buf));
}

}  // namespace faultbench::campaign_detail
