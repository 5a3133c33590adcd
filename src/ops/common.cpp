#include "faultbench/ops/common.h"

#include "faultbench/error.h"
#include "faultbench/util/parallel.h"

namespace faultbench::ops {

[[noreturn]] void shape_error(const char* op, const std::string& rule) {
  throw UsageError(std::string(op) + ": " + rule);
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
