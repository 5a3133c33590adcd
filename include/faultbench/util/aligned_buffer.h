// The one 64-byte aligned float buffer type: packed weights, kernel scratch panels and the
// campaign's recycled activation buffers. 64 bytes is a cache line and an AVX-512 vector.
#pragma once
#include <cstddef>
#include <memory>
#include <utility>

namespace faultbench {

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t count) { resize(count); }
  AlignedBuffer(const AlignedBuffer& other);
  AlignedBuffer& operator=(const AlignedBuffer& other);
  // A moved-from buffer is empty (size 0, no allocation).
  AlignedBuffer(AlignedBuffer&& other) noexcept : data_(std::move(other.data_)), size_(std::exchange(other.size_, 0)) {}
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
    return *this;
  }

  // Discards the old contents; the new ones are zero.
  void resize(size_t count);
  void ensure(size_t count) {
    if (count > size_) resize(count);
  }
  // Discards the old contents and leaves the new ones unset: for scratch that is written
  // before it is read, where zeroing would cost a pass over memory per use.
  void resize_uninitialized(size_t count);
  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  size_t size() const { return size_; }
  // True when the buffer holds an allocation (size() > 0).
  explicit operator bool() const { return data_ != nullptr; }

 private:
  struct Free {
    void operator()(float* p) const;
  };
  void allocate(size_t count, bool zero);
  std::unique_ptr<float[], Free> data_;
  size_t size_ = 0;
};

}  // namespace faultbench
