// The default thread count follows the CPU allocation, and the CLI says what it chose.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "test_support.h"

namespace faultbench {
namespace {

std::string run(const std::string& cmd, int* rc) {
  FILE* pipe = popen((cmd + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  const int status = pclose(pipe);
  *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

TEST(CliThreads, TasksetIsFollowedAndSaid) {
  FAULTBENCH_REQUIRE_DATA(data);
  if (std::system("command -v taskset >/dev/null 2>&1") != 0) GTEST_SKIP() << "taskset not found";
  const std::string eval = testing::cli_path().string() + " eval --model resnet20 --dataset cifar10 --weights " +
                           (data / "weights/cifar10/ResNet20.th").string() + " --data-dir " + data.string() +
                           " --first-images 20";
  int rc = 0;
  std::string out = run("taskset -c 0 " + eval, &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("threads: 1 (CPU affinity: 1 of "), std::string::npos) << out;
  // An explicit --threads is used as given.
  out = run("taskset -c 0 " + eval + " --threads 2", &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("threads: 2 (--threads)"), std::string::npos) << out;
}

}  // namespace
}  // namespace faultbench
