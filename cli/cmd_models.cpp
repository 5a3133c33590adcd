// Placeholder until the zoo lands (the zoo engineer replaces this file).
#include "commands.h"
#include "faultbench/error.h"

namespace faultbench::cli {
void add_models_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("models", "List the model zoo");
  cmd->callback([] { throw Error("models: the model zoo is not built yet"); });
}
}  // namespace faultbench::cli
