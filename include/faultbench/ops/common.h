// Shared pieces of the operator kernels.
//
// Every operator family lives in its own header with a typed shape struct, a validate_*
// function (XNNPACK style: called once at setup, throws UsageError naming the operator and
// the broken rule), a plain scalar *_reference kernel and an *_optimized kernel. Both
// variants compute every output element with the same operation sequence, so they agree
// bit for bit (docs/DETERMINISM.md). Activations are fp32 NCHW batches [N, C, H, W].
#pragma once
#include <functional>
#include <string>

#include "faultbench/util/aligned_buffer.h"

namespace faultbench {

class ThreadPool;

namespace ops {

// Throws UsageError("<op>: <rule>").
[[noreturn]] void shape_error(const char* op, const std::string& rule);

// Runs fn(begin, end) over [0, n) on the pool, or inline when pool is null.
void parallel_range(ThreadPool* pool, long long n, const std::function<void(long long, long long)>& fn);

}  // namespace ops
}  // namespace faultbench
