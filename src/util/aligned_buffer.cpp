#include "faultbench/util/aligned_buffer.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace faultbench {

void AlignedBuffer::Free::operator()(float* p) const { std::free(p); }

AlignedBuffer::AlignedBuffer(const AlignedBuffer& other) { *this = other; }

AlignedBuffer& AlignedBuffer::operator=(const AlignedBuffer& other) {
  if (this != &other) {
    resize(other.size_);
    if (size_) std::memcpy(data_.get(), other.data_.get(), size_ * sizeof(float));
  }
  return *this;
}

void AlignedBuffer::resize(size_t count) { allocate(count, true); }

void AlignedBuffer::resize_uninitialized(size_t count) { allocate(count, false); }

void AlignedBuffer::allocate(size_t count, bool zero) {
  data_.reset();
  size_ = 0;
  if (count == 0) return;
  const size_t bytes = (count * sizeof(float) + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, bytes);
  if (p == nullptr) throw std::bad_alloc();
  if (zero) std::memset(p, 0, bytes);
  data_.reset(static_cast<float*>(p));
  size_ = count;
}

}  // namespace faultbench
