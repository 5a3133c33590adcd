#include "test_support.h"

#include <sys/wait.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <vector>
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

namespace {
// Temporary folders made by this test process, removed when it exits (set
// FAULTBENCH_KEEP_TEMP=1 to keep them for inspection).
struct TempDirRegistry {
  std::mutex mutex;
  std::vector<std::filesystem::path> dirs;
  ~TempDirRegistry() {
    const char* keep = std::getenv("FAULTBENCH_KEEP_TEMP");
    if (keep != nullptr && *keep != '\0' && std::string(keep) != "0") return;
    for (const auto& d : dirs) {
      std::error_code ec;
      std::filesystem::remove_all(d, ec);
    }
  }
};
TempDirRegistry& temp_dirs() {
  static TempDirRegistry registry;
  return registry;
}
}  // namespace

std::filesystem::path make_temp_dir(const std::string& tag) {
  static std::atomic<int> counter{0};
  auto base = std::filesystem::temp_directory_path() /
              ("faultbench-test-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(base);
  std::filesystem::create_directories(base);
  std::lock_guard<std::mutex> lock(temp_dirs().mutex);
  temp_dirs().dirs.push_back(base);
  return base;
}

std::filesystem::path cli_path() { return FAULTBENCH_CLI_PATH; }
std::filesystem::path source_dir() { return FAULTBENCH_SOURCE_DIR; }

ShellRun run_faultbench(const std::string& args) {
  static std::atomic<int> calls{0};
  const std::string err_file = (make_temp_dir("cli-stderr") / ("stderr." + std::to_string(calls++))).string();
  const std::string cmd = cli_path().string() + " " + args + " 2>" + err_file;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return {-1, "", "popen failed"};
  ShellRun r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(pipe);
  if (FILE* f = std::fopen(err_file.c_str(), "rb")) {
    while ((n = fread(buf.data(), 1, buf.size(), f)) > 0) r.err.append(buf.data(), n);
    std::fclose(f);
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace faultbench::testing
