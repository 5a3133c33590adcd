// Scratch float buffers of the fast mode, recycled so that steady-state chunks allocate
// nothing.
#pragma once
#include <cstddef>
#include <vector>

#include "faultbench/util/aligned_buffer.h"

namespace faultbench::campaign_detail {

// acquire() takes the smallest free buffer that fits; when none fits it grows the largest
// free one, so the number of buffers never exceeds the peak number alive at once.
class BufferPool {
 public:
  AlignedBuffer acquire(size_t floats);
  void release(AlignedBuffer&& buf);
  void clear() { free_.clear(); }

 private:
  std::vector<AlignedBuffer> free_;
};

}  // namespace faultbench::campaign_detail
