// The progress line: tqdm-like format, weighted ETA, log lines without a terminal.
#include "faultbench/campaign/progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <regex>
#include <thread>

namespace faultbench {
namespace {

TEST(Progress, WeightedWorkCountsEachBatchAtItsCost) {
  const std::vector<ProgressBatch> plan = {{2, 10.0}, {3, 1.0}};  // 2 expensive faults, then 3 cheap ones
  EXPECT_DOUBLE_EQ(weighted_work(plan, 100, 0), 0);
  EXPECT_DOUBLE_EQ(weighted_work(plan, 100, 150), 1500);       // inside batch 0
  EXPECT_DOUBLE_EQ(weighted_work(plan, 100, 250), 2000 + 50);  // into batch 1
  EXPECT_DOUBLE_EQ(weighted_work(plan, 100, INT64_MAX), 2300);
}

TEST(Progress, EtaFromWeightedWorkIsRightWhenEarlyFaultsCostMore) {
  // Time per fault-image is proportional to the prior (10 s early, 1 s late per 100 images):
  // after half the expensive batch, 10 s have passed and 13 s remain.
  const std::vector<ProgressBatch> plan = {{2, 10.0}, {30, 1.0}};
  const int64_t images = 100;
  const double total = weighted_work(plan, images, INT64_MAX);  // 2*100*10 + 30*100 = 5000
  const double done = weighted_work(plan, images, 100);         // 1000
  const double elapsed = 10.0;                                  // 1000 units in 10 s
  EXPECT_DOUBLE_EQ(estimate_seconds_left(total, done, elapsed), 40.0);
  // A plain rate (fault-images/s) would say 31 faults x 100 / (100 / 10 s) = 310 s.
  EXPECT_LT(estimate_seconds_left(total, done, elapsed), 310.0 / 6);
  EXPECT_LT(estimate_seconds_left(total, 0, elapsed), 0);  // unknown before any work
}

TEST(Progress, ClockFormatsLikeTqdm) {
  EXPECT_EQ(format_clock(0), "00:00");
  EXPECT_EQ(format_clock(724), "12:04");
  EXPECT_EQ(format_clock(3723), "1:02:03");
  EXPECT_EQ(format_clock(-1), "?");
}

TEST(Progress, TerminalLineHasBarPercentCountsClockAndRate) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressReporter p(f, /*live=*/true);
  p.start(10, 2, 100, {{8, 1.0}});
  p.add_work(300);  // 2 + 3 of 10 faults' worth: 50 %
  p.set_done(4);
  const std::string line = p.status_line();
  EXPECT_TRUE(std::regex_match(
      line, std::regex(R"(campaign:  50%\|########## {10}\| 4/10 faults \[00:0\d<.+, \d+ fault-images/s\])")))
      << line;
  p.finish("complete");
  std::fclose(f);
}

TEST(Progress, LogFileGetsALineAtStartAndEveryInterval) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressReporter p(f, /*live=*/false, std::chrono::seconds(1));
    p.start(10, 0, 100);
    std::this_thread::sleep_for(std::chrono::milliseconds(2300));  // the ticker writes two more
    p.add_work(100);
    p.finish("complete");
  }
  std::rewind(f);
  std::string text;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
  std::fclose(f);
  EXPECT_EQ(text.find('\r'), std::string::npos) << "terminal control in a log file";
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  EXPECT_GE(lines, 4u) << text;  // start, two ticks, the summary
  EXPECT_EQ(text.rfind("campaign:   0% 0/10 faults [00:00<?, 0 fault-images/s]\n", 0), 0u) << text;
  EXPECT_NE(text.find("campaign: complete: 0/10 faults done, 100 images, 100 fault-images in"), std::string::npos)
      << text;
}

}  // namespace
}  // namespace faultbench
