#include "common.h"

#include <cstdlib>

#include "faultbench/error.h"

namespace faultbench::cli {

std::filesystem::path resolve_data_dir(const std::string& option_value) {
  if (!option_value.empty()) return option_value;
  const char* env = std::getenv("FAULTBENCH_DATA");
  if (env != nullptr && *env != '\0') return env;
  throw UsageError("--data-dir is not given and FAULTBENCH_DATA is not set");
}

namespace {
std::vector<std::string>& stored_command_line() {
  static std::vector<std::string> args;
  return args;
}
}  // namespace

void set_command_line(int argc, char** argv) { stored_command_line().assign(argv, argv + argc); }
const std::vector<std::string>& command_line() { return stored_command_line(); }

}  // namespace faultbench::cli
