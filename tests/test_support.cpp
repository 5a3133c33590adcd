#include "test_support.h"

#include <atomic>
#include <cstdlib>
#include <random>

#include <unistd.h>

namespace faultbench::testing {

std::optional<std::filesystem::path> reference_data_dir() {
  const char* env = std::getenv("FAULTBENCH_DATA");
  if (env == nullptr || *env == '\0') return std::nullopt;
  std::filesystem::path p(env);
  if (!std::filesystem::is_directory(p)) return std::nullopt;
  return p;
}

std::filesystem::path make_temp_dir(const std::string& tag) {
  static std::atomic<int> counter{0};
  auto base = std::filesystem::temp_directory_path() /
              ("faultbench-test-" + tag + "-" + std::to_string(::getpid()) + "-" +
               std::to_string(counter++));
  std::filesystem::remove_all(base);
  std::filesystem::create_directories(base);
  return base;
}

std::filesystem::path cli_path() { return FAULTBENCH_CLI_PATH; }
std::filesystem::path source_dir() { return FAULTBENCH_SOURCE_DIR; }

}  // namespace faultbench::testing
