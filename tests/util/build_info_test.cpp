#include "faultbench/util/build_info.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "test_support.h"

namespace faultbench {
namespace {

TEST(BuildInfo, VersionIsTheProjectVersion) { EXPECT_STREQ(faultbench_version(), FAULTBENCH_VERSION); }

TEST(BuildInfo, CommitIsAGitHashInACheckoutAndUnknownOutside) {
  const std::string commit = faultbench_git_commit();
  if (std::filesystem::exists(testing::source_dir() / ".git"))
    EXPECT_TRUE(std::regex_match(commit, std::regex("[0-9a-f]{40}(-dirty)?"))) << commit;
  else
    EXPECT_EQ(commit, "unknown");
}

TEST(BuildInfo, UtcTimestampIsIso8601) {
  // 2026-12-06 23:41:05 UTC = 1796600465 s after the epoch.
  const auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1796600465));
  EXPECT_EQ(utc_timestamp(t), "2026-12-06T23:41:05Z");
}

TEST(BuildInfo, CpuDescriptionIsNotEmpty) { EXPECT_FALSE(cpu_description().empty()); }

}  // namespace
}  // namespace faultbench
