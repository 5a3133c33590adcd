#include "faultbench/util/parallel.h"

#include <algorithm>
#include <exception>
#include <system_error>

#include <fmt/format.h>

#include "faultbench/error.h"
#include "faultbench/util/cpu_allocation.h"

namespace faultbench {

namespace {
void chunk_bounds(int64_t n, int parts, int index, int64_t* begin, int64_t* end) {
  const int64_t base = n / parts, extra = n % parts;
  *begin = index * base + std::min<int64_t>(index, extra);
  *end = *begin + base + (index < extra ? 1 : 0);
}
}  // namespace

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = std::clamp(available_cpus().cpus, 1, kMaxThreads);
  if (threads > kMaxThreads)
    throw UsageError(fmt::format("{} threads requested: at most {} are supported", threads, kMaxThreads));
  workers_.reserve(size_t(threads - 1));
  for (int i = 1; i < threads; ++i) {
    try {
      workers_.emplace_back([this, i] { worker_loop(i); });
    } catch (const std::system_error& e) {
      // A constructor that throws runs no destructor: stop and join the workers already
      // started here (a joinable std::thread left behind would std::terminate).
      stop_workers();
      throw Error(
          fmt::format("cannot start thread {} of the {} requested: {} (limits: threads per user, ulimit -u; "
                      "a cgroup's pids.max; memory for thread stacks, ulimit -s and -v); use fewer --threads",
                      i + 1, threads, e.code().message()));
    }
  }
}

ThreadPool::~ThreadPool() { stop_workers(); }

void ThreadPool::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  start_cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    const std::function<void(int64_t, int64_t, int)>* job;
    int64_t n;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      start_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      job = job_;
      n = job_n_;
    }
    int64_t b, e;
    chunk_bounds(n, size(), index, &b, &e);
    try {
      if (b < e) (*job)(b, e, index);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) done_cv_.notify_one();
    }
  }
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn) {
  if (n <= 0) return;
  if (workers_.empty() || n == 1) {
    fn(0, n, 0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &fn;
    job_n_ = n;
    pending_ = int(workers_.size());
    error_ = nullptr;
    ++generation_;
  }
  start_cv_.notify_all();
  int64_t b, e;
  chunk_bounds(n, size(), 0, &b, &e);
  std::exception_ptr mine;
  try {
    if (b < e) fn(b, e, 0);
  } catch (...) {
    mine = std::current_exception();
  }
  std::unique_lock<std::mutex> lock(mutex_);
  done_cv_.wait(lock, [&] { return pending_ == 0; });
  job_ = nullptr;
  if (mine) std::rethrow_exception(mine);
  if (error_) std::rethrow_exception(error_);
}

}  // namespace faultbench
