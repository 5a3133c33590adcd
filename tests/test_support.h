// Shared helpers for the test binaries.
#pragma once
#include <filesystem>
#include <optional>
#include <string>

namespace faultbench::testing {

// The reference data folder (../shared/data in CI), from FAULTBENCH_DATA.
// Returns nullopt when the variable is unset or the folder is missing.
std::optional<std::filesystem::path> reference_data_dir();

// A fresh empty temporary directory, unique per call; removed when the test process
// exits unless FAULTBENCH_KEEP_TEMP=1.
std::filesystem::path make_temp_dir(const std::string& tag);

// Path of the faultbench CLI binary built alongside the tests.
std::filesystem::path cli_path();

// Path of the source tree (for tools/ scripts and fixtures).
std::filesystem::path source_dir();

// The faultbench CLI run through the shell with `args` (shell words), stdout and stderr
// kept apart (stderr through a file unique to the call, so parallel tests do not meet).
struct ShellRun {
  int exit_code = -1;  // -1 when the process did not exit normally
  std::string out, err;
};
ShellRun run_faultbench(const std::string& args);

}  // namespace faultbench::testing

// Skips the current test with a message when the reference data is absent.
#define FAULTBENCH_REQUIRE_DATA(var)                                                   \
  auto var##_opt = ::faultbench::testing::reference_data_dir();                        \
  if (!var##_opt) GTEST_SKIP() << "FAULTBENCH_DATA not set or missing: skipping test"; \
  const std::filesystem::path var = *var##_opt
