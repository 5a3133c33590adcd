// faultbench: the command-line front end of libfaultbench.
// Exit codes: 0 success, 1 error (file, data or I/O), 2 usage error, 130 interrupted (Ctrl-C).
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>
#include <new>
#include <stdexcept>

#include "commands.h"
#include "common.h"
#include "faultbench/error.h"
#include "faultbench/ops/simd_target.h"
#include "faultbench/util/suggest.h"

namespace {

std::vector<std::string> verb_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    names.push_back(sub->get_name());
  return names;
}

// git's answer to a verb it does not know: name it, and offer the close ones.
int unknown_verb(const CLI::App& app, const std::string& verb) {
  std::fprintf(stderr, "faultbench: '%s' is not a faultbench command. See 'faultbench --help'.\n", verb.c_str());
  const std::vector<std::string> close = faultbench::closest_matches(verb, verb_names(app));
  if (!close.empty()) {
    std::fprintf(stderr, "\n%s\n", close.size() == 1 ? "The most similar command is" : "The most similar commands are");
    for (const std::string& c : close) std::fprintf(stderr, "\t%s\n", c.c_str());
  }
  return 2;
}

bool is_verb(const CLI::App& app, const std::string& word) {
  for (const std::string& v : verb_names(app))
    if (v == word) return true;
  return false;
}

}  // namespace

namespace {
// Fixed text: formatting a message could itself need memory.
const char* const kOutOfMemory =
    "faultbench: error: out of memory: an allocation failed (free memory, ulimit -v or a cgroup's memory.max); "
    "use fewer --images or --threads, a smaller --memory-mb or --count\n";
}  // namespace

int main(int argc, char** argv) {
  faultbench::cli::set_command_line(argc, argv);
  // The SIMD kernels this run uses (the CPU's best, or FAULTBENCH_SIMD): a bad
  // FAULTBENCH_SIMD stops every command here, before any work.
  const char* simd = nullptr;
  try {
    simd = faultbench::ops::simd_target_name(faultbench::ops::simd_target());
  } catch (const faultbench::UsageError& e) {
    std::fprintf(stderr, "faultbench: error: %s\n", e.what());
    return 2;
  }
  CLI::App app{"faultbench: deterministic fault-injection campaigns for DNN reliability studies", "faultbench"};
  app.set_version_flag("--version", std::string("faultbench ") + FAULTBENCH_VERSION + " (SIMD kernels: " + simd + ")");
  app.require_subcommand(1);
  app.footer("Run 'faultbench help VERB' (or 'faultbench VERB --help') for the options of one command.");
  faultbench::cli::add_models_command(app);
  faultbench::cli::add_faultlist_command(app);
  faultbench::cli::add_eval_command(app);
  faultbench::cli::add_convert_command(app);
  faultbench::cli::add_fetch_command(app);
  faultbench::cli::add_campaign_command(app);
  faultbench::cli::add_compare_command(app);
  faultbench::cli::add_merge_command(app);
  faultbench::cli::add_report_command(app);

  // The first word is the verb, as in git: `help [VERB]`, or a typo answered with suggestions.
  if (argc >= 2 && argv[1][0] != '-') {
    const std::string verb = argv[1];
    if (verb == "help") {
      if (argc == 2) {
        std::fputs(app.help().c_str(), stdout);
        return 0;
      }
      if (!is_verb(app, argv[2])) return unknown_verb(app, argv[2]);
      std::fputs(app.get_subcommand(argv[2])->help("faultbench").c_str(), stdout);
      return 0;
    }
    if (!is_verb(app, verb)) return unknown_verb(app, verb);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const faultbench::InterruptedError& e) {
    std::fprintf(stderr, "faultbench: %s\n", e.what());
    return 130;
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
