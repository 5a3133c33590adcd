// Shared pieces of the operator kernels.
//
// Every operator family lives in its own header with a typed shape struct, a validate_*
// function (XNNPACK style: called once at setup, throws UsageError naming the operator and
// the broken rule), a plain scalar *_reference kernel and an *_optimized kernel. Both
// variants compute every output element with the same operation sequence, so they agree
// bit for bit (docs/DETERMINISM.md). Activations are fp32 NCHW batches [N, C, H, W].
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace faultbench {

class ThreadPool;

namespace ops {

// Throws UsageError("<op>: <rule>").
[[noreturn]] void shape_error(const char* op, const std::string& rule);

// A 64-byte aligned float buffer (packed weights, scratch panels). Contents are
// zero-initialized on resize.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t count) { resize(count); }
  AlignedBuffer(const AlignedBuffer& other);
  AlignedBuffer& operator=(const AlignedBuffer& other);
  AlignedBuffer(AlignedBuffer&&) noexcept = default;
  AlignedBuffer& operator=(AlignedBuffer&&) noexcept = default;

  void resize(size_t count);          // discards the old contents
  void ensure(size_t count) { if (count > size_) resize(count); }
  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(float* p) const;
  };
  std::unique_ptr<float[], Free> data_;
  size_t size_ = 0;
};

// Runs fn(begin, end) over [0, n) on the pool, or inline when pool is null.
void parallel_range(ThreadPool* pool, long long n, const std::function<void(long long, long long)>& fn);

}  // namespace ops
}  // namespace faultbench
