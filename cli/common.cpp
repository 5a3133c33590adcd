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

}  // namespace faultbench::cli
