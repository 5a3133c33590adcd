#include "faultbench/ops/common.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "faultbench/error.h"
#include "faultbench/util/parallel.h"

namespace faultbench::ops {

[[noreturn]] void shape_error(const char* op, const std::string& rule) {
  throw UsageError(std::string(op) + ": " + rule);
}

void AlignedBuffer::Free::operator()(float* p) const { std::free(p); }

AlignedBuffer::AlignedBuffer(const AlignedBuffer& other) { *this = other; }

AlignedBuffer& AlignedBuffer::operator=(const AlignedBuffer& other) {
  if (this != &other) {
    resize(other.size_);
    if (size_) std::memcpy(data_.get(), other.data_.get(), size_ * sizeof(float));
  }
  return *this;
}

void AlignedBuffer::resize(size_t count) {
  data_.reset();
  size_ = 0;
  if (count == 0) return;
  const size_t bytes = (count * sizeof(float) + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, bytes);
  if (p == nullptr) throw std::bad_alloc();
  std::memset(p, 0, bytes);
  data_.reset(static_cast<float*>(p));
  size_ = count;
}

void parallel_range(ThreadPool* pool, long long n, const std::function<void(long long, long long)>& fn) {
  if (n <= 0) return;
  if (pool == nullptr || pool->size() == 1 || n == 1) {
    fn(0, n);
    return;
  }
  pool->parallel_for(n, [&](int64_t b, int64_t e, int) { fn(b, e); });
}

}  // namespace faultbench::ops
