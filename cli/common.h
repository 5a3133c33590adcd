// Helpers shared by the CLI verbs.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace faultbench::cli {

// The --data-dir value, or $FAULTBENCH_DATA when it is empty; UsageError when neither is set.
std::filesystem::path resolve_data_dir(const std::string& option_value);

// The process's command line, kept by main() for the records verbs write (campaign sidecars).
void set_command_line(int argc, char** argv);
const std::vector<std::string>& command_line();

}  // namespace faultbench::cli
