// faultbench: the command-line front end of libfaultbench.
// Exit codes: 0 success, 1 error (file, data or I/O), 2 usage error.
#include <cstdio>
#include <exception>
#include <new>
#include <stdexcept>

#include "commands.h"
#include "faultbench/error.h"

namespace {
// Fixed text: formatting a message could itself need memory.
const char* const kOutOfMemory =
    "faultbench: error: out of memory: an allocation failed (free memory, ulimit -v or a cgroup's memory.max); "
    "use fewer --images or --threads, a smaller --memory-mb or --count\n";
}  // namespace

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
  } catch (const std::bad_alloc&) {
    // Also from worker threads: ThreadPool rethrows their exceptions in the caller.
    std::fputs(kOutOfMemory, stderr);
    return 1;
  } catch (const std::length_error&) {  // a container asked for more than max_size()
    std::fputs(kOutOfMemory, stderr);
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "faultbench: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
