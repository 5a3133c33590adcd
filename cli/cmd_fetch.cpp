// `faultbench fetch`: downloads the official test sets or a reference checkpoint.
//   faultbench fetch --dataset cifar10|cifar100|gtsrb [--data-dir DIR] [--mirror URL] [--force]
//   faultbench fetch --weights --model M --dataset D [--data-dir DIR] [--mirror URL] [--force]
// Base URLs can be replaced with --mirror or $FAULTBENCH_MIRROR (see faultbench/data/fetch.h).
#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "common.h"
#include "faultbench/data/fetch.h"
#include "faultbench/error.h"

namespace faultbench::cli {

namespace {
struct FetchArgs {
  std::string dataset, model, data_dir, mirror;
  bool weights = false, force = false;
};

void run_fetch(const FetchArgs& a) {
  const auto dir = resolve_data_dir(a.data_dir);
  const std::string mirror = resolve_mirror(a.mirror);
  auto log = [](const std::string& line) { std::fprintf(stderr, "fetch: %s\n", line.c_str()); };
  if (a.weights) {
    if (a.model.empty()) throw UsageError("fetch --weights needs --model");
    const auto path = fetch_weights(weights_file(a.model, a.dataset, mirror), a.dataset, dir, a.force, log);
    std::printf("%s\n", path.string().c_str());
  } else {
    if (!a.model.empty()) throw UsageError("fetch: --model is only used with --weights");
    fetch_dataset(a.dataset, dir, dataset_archives(a.dataset, mirror), a.force, log);
  }
}
}  // namespace

void add_fetch_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("fetch", "Download the official test sets or a reference checkpoint (needs internet)");
  auto args = std::make_shared<FetchArgs>();
  cmd->add_option("--dataset", args->dataset, "cifar10, cifar100 or gtsrb")->required();
  cmd->add_option("--data-dir", args->data_dir, "Destination folder (default: $FAULTBENCH_DATA)");
  cmd->add_flag("--weights", args->weights, "Fetch the reference checkpoint of --model instead of the test set");
  cmd->add_option("--model", args->model, "Model (with --weights), e.g. resnet20");
  cmd->add_option("--mirror", args->mirror, "Base URL replacing the official ones (default: $FAULTBENCH_MIRROR)");
  cmd->add_flag("--force", args->force, "Download again even when the files are present");
  cmd->callback([args] { run_fetch(*args); });
}

}  // namespace faultbench::cli
