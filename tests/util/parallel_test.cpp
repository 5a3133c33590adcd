// ThreadPool: work split, exceptions of tasks reach the caller, and a worker thread the
// system refuses is an Error naming the thread and the reason (no hang, no terminate).
#include <gtest/gtest.h>

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <new>
#include <string>

#include "faultbench/error.h"
#include "faultbench/util/parallel.h"

namespace faultbench {
namespace {

TEST(ThreadPool, CoversTheRangeOnce) {
  ThreadPool pool(4);
  EXPECT_EQ(pool.size(), 4);
  std::vector<std::atomic<int>> hits(1000);
  pool.parallel_for(1000, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) hits[size_t(i)]++;
  });
  for (const auto& h : hits) EXPECT_EQ(h.load(), 1);
}

// A std::bad_alloc (or any exception) in a worker's chunk reaches the caller, and the pool
// stays usable.
TEST(ThreadPool, ExceptionsOfWorkerChunksReachTheCaller) {
  ThreadPool pool(3);
  EXPECT_THROW(pool.parallel_for(3,
                                 [](int64_t, int64_t, int worker) {
                                   if (worker == 2) throw std::bad_alloc();
                                 }),
               std::bad_alloc);
  EXPECT_THROW(pool.parallel_for(3,
                                 [](int64_t, int64_t, int worker) {
                                   if (worker == 0) throw FormatError("caller chunk");
                                 }),
               FormatError);
  std::atomic<int> n{0};
  pool.parallel_for(3, [&](int64_t b, int64_t e, int) { n += int(e - b); });
  EXPECT_EQ(n.load(), 3);
}

TEST(ThreadPool, RefusesMoreThanTheMaximum) {
  try {
    ThreadPool pool(ThreadPool::kMaxThreads + 1);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), "1025 threads requested: at most 1024 are supported");
  }
}

// Thread creation fails when each new thread wants a stack larger than the address space
// (what a small ulimit -u or cgroup pids.max does to pthread_create, with root too).
TEST(ThreadPool, AWorkerThreadTheSystemRefusesIsAnErrorNotAHang) {
  pthread_attr_t saved, huge;
  ASSERT_EQ(pthread_getattr_default_np(&saved), 0);
  ASSERT_EQ(pthread_attr_init(&huge), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&huge, size_t(1) << 47), 0);
  ASSERT_EQ(pthread_setattr_default_np(&huge), 0);
  std::string message;
  try {
    ThreadPool pool(8);
  } catch (const Error& e) {
    message = e.what();
  }
  ASSERT_EQ(pthread_setattr_default_np(&saved), 0);
  pthread_attr_destroy(&huge);
  pthread_attr_destroy(&saved);
  EXPECT_EQ(message.rfind("cannot start thread 2 of the 8 requested: Resource temporarily unavailable (limits: ", 0),
            0u)
      << message;
  ThreadPool again(2);  // creation works again
  EXPECT_EQ(again.size(), 2);
}

// Some workers start, then the address space runs out: the started ones are joined (a
// joinable std::thread destroyed would std::terminate; a worker left waiting would hang).
TEST(ThreadPool, WorkersStartedBeforeTheFailureAreJoined) {
  constexpr size_t kStack = size_t(64) << 20;
  pthread_attr_t saved, big;
  ASSERT_EQ(pthread_getattr_default_np(&saved), 0);
  ASSERT_EQ(pthread_attr_init(&big), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&big, kStack), 0);
  ASSERT_EQ(pthread_setattr_default_np(&big), 0);
  rlimit old_as{};
  ASSERT_EQ(getrlimit(RLIMIT_AS, &old_as), 0);
  long pages = 0;
  {
    std::ifstream statm("/proc/self/statm");
    statm >> pages;
  }
  std::string message;
  {
    rlimit as = old_as;
    as.rlim_cur = rlim_t(pages) * rlim_t(sysconf(_SC_PAGESIZE)) + 3 * kStack + kStack / 2;  // room for 3 stacks
    ASSERT_EQ(setrlimit(RLIMIT_AS, &as), 0);
    try {
      ThreadPool pool(16);
    } catch (const Error& e) {
      message = e.what();
    }
    ASSERT_EQ(setrlimit(RLIMIT_AS, &old_as), 0);
  }
  ASSERT_EQ(pthread_setattr_default_np(&saved), 0);
  pthread_attr_destroy(&big);
  pthread_attr_destroy(&saved);
  EXPECT_EQ(message.rfind("cannot start thread ", 0), 0u) << message;
  EXPECT_NE(message.find(" of the 16 requested: "), std::string::npos) << message;
  EXPECT_EQ(message.find("cannot start thread 2 "), std::string::npos) << "no worker started: " << message;
}

}  // namespace
}  // namespace faultbench
