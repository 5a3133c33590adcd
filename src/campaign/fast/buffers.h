// Scratch float buffers of the fast mode, recycled so that steady-state chunks allocate
// nothing.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <vector>

namespace faultbench::campaign_detail {

// A 64-byte aligned float buffer that does not initialise its contents.
struct FloatBuf {
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> data;
  size_t capacity = 0;  // floats
  float* get() const { return data.get(); }
  explicit operator bool() const { return bool(data); }
};

// acquire() takes the smallest free buffer that fits; when none fits it grows the largest
// free one, so the number of buffers never exceeds the peak number alive at once.
class BufferPool {
 public:
  FloatBuf acquire(size_t floats);
  void release(FloatBuf&& buf);
  void clear() { free_.clear(); }

 private:
  std::vector<FloatBuf> free_;
};

}  // namespace faultbench::campaign_detail
