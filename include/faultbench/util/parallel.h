// A small fixed-size thread pool with static work partitioning.
//
// Determinism rule: parallel_for only splits independent work (images, output channels,
// faults). No floating-point sum is ever split across threads, so results never depend
// on the thread count.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace faultbench {

class ThreadPool {
 public:
  // More than this is refused (UsageError): far beyond any useful parallelism, and each
  // worker costs a stack. The CLI's --threads has the same bound.
  static constexpr int kMaxThreads = 1024;

  // threads <= 0 means the CPUs this process may use (util/cpu_allocation.h: affinity,
  // cgroup quota, Slurm; at most kMaxThreads). When the system refuses a worker thread (ulimit -u, a cgroup's pids.max,
  // memory for stacks) the workers already started are joined and Error names the thread, the count and the system's
  // reason.
  explicit ThreadPool(int threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return int(workers_.size()) + 1; }

  // Calls fn(begin, end, worker) over a static split of [0, n) into at most size()
  // contiguous chunks; worker is in [0, size()). Blocks until all chunks are done.
  // The calling thread runs chunk 0. Exceptions are rethrown in the caller (the first one).
  void parallel_for(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn);

 private:
  void worker_loop(int index);
  void stop_workers();  // sets stop_, wakes and joins every worker

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_cv_, done_cv_;
  const std::function<void(int64_t, int64_t, int)>* job_ = nullptr;
  int64_t job_n_ = 0;
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace faultbench
