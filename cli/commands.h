// Each faultbench verb lives in its own cli/cmd_<verb>.cpp and registers itself here.
#pragma once
#include <CLI/CLI.hpp>

namespace faultbench::cli {

// Registers the subcommand on `app`; the callback throws faultbench::Error on failure.
void add_models_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_convert_command(CLI::App& app);
void add_faultlist_command(CLI::App& app);
void add_campaign_command(CLI::App& app);
void add_compare_command(CLI::App& app);
void add_fetch_command(CLI::App& app);
void add_merge_command(CLI::App& app);
void add_report_command(CLI::App& app);

}  // namespace faultbench::cli
