// Helpers shared by the CLI verbs.
#pragma once
#include <filesystem>
#include <string>

namespace faultbench::cli {

// The --data-dir value, or $FAULTBENCH_DATA when it is empty; UsageError when neither is set.
std::filesystem::path resolve_data_dir(const std::string& option_value);

}  // namespace faultbench::cli
