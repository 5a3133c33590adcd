// `faultbench fetch`: downloads the official test sets, reference checkpoints or published
// fault lists, checked against their published checksums.
//   faultbench fetch --dataset cifar10|cifar100|gtsrb [--data-dir DIR] [--mirror M] [--force]
//   faultbench fetch --weights --model M --dataset D [--data-dir DIR] [--mirror M] [--force]
//   faultbench fetch --faultlists [--dataset D] [--model M] [--keras] [--data-dir DIR] [--mirror M] [--force]
// Base URLs can be replaced with --mirror or $FAULTBENCH_MIRROR: an http(s) URL, a file://
// URL or a folder (see faultbench/data/fetch.h and docs/DATA.md).
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
  bool weights = false, faultlists = false, keras = false, force = false;
};

void check_options(const FetchArgs& a) {
  if (a.weights && a.faultlists)
    throw UsageError("fetch: --weights and --faultlists are separate downloads (run fetch once for each)");
  if (a.keras && !a.faultlists) throw UsageError("fetch: --keras is only used with --faultlists");
  if (a.weights) {
    if (a.model.empty()) throw UsageError("fetch --weights needs --model");
    if (a.dataset.empty()) throw UsageError("fetch --weights needs --dataset");
  } else if (!a.faultlists) {
    if (!a.model.empty()) throw UsageError("fetch: --model is only used with --weights or --faultlists");
    if (a.dataset.empty()) throw UsageError("fetch needs --dataset (the test set), --weights or --faultlists");
  }
}

void run_fetch(const FetchArgs& a) {
  check_options(a);
  const auto dir = resolve_data_dir(a.data_dir);
  const std::string mirror = resolve_mirror(a.mirror);
  auto log = [](const std::string& line) { std::fprintf(stderr, "fetch: %s\n", line.c_str()); };
  if (a.weights) {
    const auto path = fetch_weights(weights_file(a.model, a.dataset, mirror), a.dataset, dir, a.force, log);
    std::printf("%s\n", path.string().c_str());
  } else if (a.faultlists) {
    const auto lists = published_faultlists(a.dataset, a.model, a.keras, mirror);
    for (const auto& path : fetch_faultlists(lists, dir, a.force, log)) std::printf("%s\n", path.string().c_str());
  } else {
    fetch_dataset(a.dataset, dir, dataset_archives(a.dataset, mirror), a.force, log);
  }
}
}  // namespace

void add_fetch_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "fetch",
      "Download the official test sets, reference checkpoints or published fault lists (internet or a mirror)");
  auto args = std::make_shared<FetchArgs>();
  cmd->add_option("--dataset", args->dataset,
                  "cifar10, cifar100 or gtsrb (with --faultlists: only this dataset's lists, default all)");
  cmd->add_option("--data-dir", args->data_dir, "Destination folder (default: $FAULTBENCH_DATA)");
  cmd->add_flag("--weights", args->weights, "Fetch the reference checkpoint of --model instead of the test set");
  cmd->add_flag("--faultlists", args->faultlists,
                "Fetch the published fault lists (with their results) into DIR/faultlists/torch/<DATASET>/");
  cmd->add_flag("--keras", args->keras,
                "With --faultlists: the Keras lists, into DIR/faultlists/tensorflow/<DATASET>/");
  cmd->add_option("--model", args->model,
                  "Model, e.g. resnet20 (with --weights; with --faultlists: only this model's lists, default all)");
  cmd->add_option(
      "--mirror", args->mirror,
      "http(s):// URL, file:///folder or folder replacing the official sources (default: $FAULTBENCH_MIRROR)");
  cmd->add_flag("--force", args->force, "Download again even when the files are present");
  cmd->callback([args] { run_fetch(*args); });
}

}  // namespace faultbench::cli
