// faultbench: the command-line front end of libfaultbench.
// Exit codes: 0 success, 1 error (file, data or I/O), 2 usage error.
#include <cstdio>
#include <exception>

#include "commands.h"
#include "faultbench/error.h"

int main(int argc, char** argv) {
  CLI::App app{"faultbench: deterministic fault-injection campaigns for DNN reliability studies"};
  app.set_version_flag("--version", std::string("faultbench ") + FAULTBENCH_VERSION);
  app.require_subcommand(1);
  faultbench::cli::add_models_command(app);
  faultbench::cli::add_faultlist_command(app);
  faultbench::cli::add_eval_command(app);
  faultbench::cli::add_convert_command(app);
  faultbench::cli::add_fetch_command(app);
  faultbench::cli::add_campaign_command(app);
  faultbench::cli::add_compare_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const faultbench::UsageError& e) {
    std::fprintf(stderr, "faultbench: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "faultbench: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
