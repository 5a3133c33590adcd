// faultbench campaign: run (or resume) a weight fault-injection campaign.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cluster_launch.h"
#include "commands.h"
#include "faultbench/campaign/model_source.h"
#include "common.h"
#include "faultbench/campaign/campaign.h"
#include "faultbench/data/layout.h"
#include "faultbench/error.h"
#include "faultbench/util/atomic_file.h"
#include "faultbench/util/cpu_allocation.h"
#include "faultbench/util/parallel.h"
#include "faultbench/zoo/zoo.h"

namespace faultbench::cli {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) {
  g_stop.store(true);
  // A second Ctrl-C kills at once (the journal is still consistent then).
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
}

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

struct CampaignCliOptions {
  std::string model, dataset, weights, data_dir, faults, out;
  std::optional<FaultModel> fault_model;  // overrides every fault's model when given
  CampaignMode mode = CampaignMode::Fast;
  Numerics numerics = Numerics::Fp32;
  FaultTarget target = FaultTarget::Weights;
  std::optional<int64_t> calibration_images;  // int8
  ImageOptions images;
  int threads = 0;
  int fault_batch = 0;
  int chunk_images = 256;
  int64_t memory_mb = 512;
  std::string profile;  // JSON file for the fast mode's time profile
  std::string shard;    // "K/N": one part of the list (job arrays, docs/CLUSTER.md)
  // --until-margin E [--confidence C] [--per model|layer|bit] [--order-seed S]
  std::optional<double> until_margin;
  std::optional<double> confidence;
  std::optional<MarginGroups> per;
  std::optional<int64_t> order_seed;
};

// The --until-margin settings; its companions alone are a usage error (they would be
// silently ignored otherwise).
std::optional<MarginStop> margin_stop(const CampaignCliOptions& o) {
  if (!o.until_margin) {
    const char* lone = o.confidence ? "--confidence" : o.per ? "--per" : o.order_seed ? "--order-seed" : nullptr;
    if (lone) throw UsageError(fmt::format("{} goes with --until-margin E", lone));
    return std::nullopt;
  }
  MarginStop m;
  m.margin = *o.until_margin;
  if (o.confidence) m.confidence = *o.confidence;
  if (o.per) m.per = *o.per;
  if (o.order_seed) m.seed = *o.order_seed;
  return m;
}

// The fast mode's profile as JSON: golden passes, per faulty layer, per recomputed step.
std::string profile_json(const EngineProfile& p) {
  nlohmann::ordered_json j;
  j["clock"] = "steady_clock, thread seconds summed over the threads";
  j["golden_seconds"] = p.golden_seconds;
  j["by_faulty_layer"] = nlohmann::json::array();
  for (const auto& l : p.by_faulty_layer)
    j["by_faulty_layer"].push_back({{"layer", l.layer},
                                    {"faults", l.faults},
                                    {"fault_images", l.fault_images},
                                    {"dropped_early", l.dropped_early},
                                    {"seconds", l.seconds}});
  j["by_step"] = nlohmann::json::array();
  for (const auto& s : p.by_step)
    j["by_step"].push_back({{"step", s.name},
                            {"image_runs", s.image_runs},
                            {"resumed_image_runs", s.resumed_image_runs},
                            {"seconds", s.seconds}});
  return j.dump(1) + "\n";
}

void run(const CampaignCliOptions& o) {
  CampaignSpec spec;
  spec.model = o.model;
  spec.dataset = o.dataset;
  spec.data_dir = resolve_data_dir(o.data_dir);
  check_model_argument(o.model, o.dataset);  // an unknown model is a usage error before any file is looked for
  // An ONNX model carries its weights; --weights then replaces them by name.
  spec.weights = !o.weights.empty()         ? std::filesystem::path(o.weights)
                 : names_onnx_file(o.model) ? std::filesystem::path()
                                            : locate_weights(o.model, o.dataset, spec.data_dir);
  spec.faults = o.faults;
  spec.out = o.out;
  spec.images = image_selection(o.images);
  spec.fault_model = o.fault_model;
  spec.numerics = o.numerics;
  spec.target = o.target;
  spec.calibration_images = calibration_images(o.calibration_images, o.numerics);
  spec.calibration_given = o.calibration_images.has_value();
  spec.engine.mode = o.mode;
  spec.engine.threads = o.threads;
  spec.engine.max_chunk_images = o.chunk_images;
  spec.engine.memory_budget = o.memory_mb << 20;
  spec.fault_batch = o.fault_batch;
  spec.command_line = command_line();
  if (!o.shard.empty()) spec.shard = parse_shard(o.shard);
  spec.until_margin = margin_stop(o);
  spec.engine.profile = !o.profile.empty();
  if (spec.engine.profile && spec.engine.mode != CampaignMode::Fast)
    throw UsageError("--profile: only the fast mode is profiled");
  // Under mpirun or srun: one campaign over every rank; the workers write nothing.
  const std::unique_ptr<ClusterLaunch> cluster = launch_cluster();
  if (cluster && o.threads <= 0) spec.engine.threads = cluster->default_threads();
  if (cluster && cluster->is_worker()) {
    install_stop_handlers();
    cluster->run_worker(spec, &g_stop);
    return;
  }
  if (cluster) spec.distribution = cluster->distribution();
  // Before any work: no output may be an input or another output (run_campaign checks
  // its own files again; --profile is known only here).
  IoPlan plan = campaign_io_plan(spec);
  if (!o.profile.empty()) plan.output("--profile", o.profile);
  plan.check();

  install_stop_handlers();

  ProgressReporter progress(stderr, ::isatty(STDERR_FILENO) == 1);
  const int threads = o.threads > 0        ? o.threads
                      : cluster != nullptr ? spec.engine.threads
                                           : std::min(available_cpus().cpus, ThreadPool::kMaxThreads);
  progress.set_preamble("campaign: threads: " + describe_threads(o.threads, threads) +
                        (cluster ? "\ncampaign: " + cluster->describe() : ""));
  const CampaignReport r = run_campaign(spec, &g_stop, &progress);
  if (!r.note.empty()) std::fprintf(stderr, "campaign: note: %s\n", r.note.c_str());
  switch (r.status) {
    case CampaignStatus::AlreadyComplete:
      std::fprintf(stderr, "campaign: %s is already complete for these inputs; nothing to do\n", o.out.c_str());
      return;
    case CampaignStatus::Completed:
      progress.finish("complete");
      if (spec.until_margin) {
        const GroupMargin* w = widest_group(r.margins);
        int64_t run = 0;
        for (const GroupMargin& g : r.margins) run += g.faults_run;
        std::fprintf(stderr, "campaign: %s after %lld of %lld faults: critical rate %.4f%% +-%.4f%%%s\n",
                     run < r.faults ? "margin reached" : "every fault run (margin not reached before)", (long long)run,
                     (long long)r.faults, w ? 100 * w->rate : 0.0, w ? 100 * w->half_width : 0.0,
                     w && w->group != "all" ? (" (widest group: " + w->group + ")").c_str() : "");
      }
      if (!o.profile.empty()) {
        write_file_atomically(o.profile, profile_json(r.profile));
        std::fprintf(stderr, "campaign: time profile in %s\n", o.profile.c_str());
      }
      std::fprintf(stderr, "campaign: results in %s (sidecar %s)\n", o.out.c_str(),
                   sidecar_path_for(o.out).string().c_str());
      return;
    case CampaignStatus::Interrupted:
      progress.finish("interrupted");
      throw InterruptedError(
          fmt::format("interrupted: {} of {} faults are saved in {}; rerun the same command to resume", r.done_faults,
                      r.faults, r.journal.string()));
  }
}

}  // namespace

void add_campaign_command(CLI::App& app) {
  auto o = std::make_shared<CampaignCliOptions>();
  auto* cmd = app.add_subcommand("campaign", "Run or resume a weight fault-injection campaign");
  cmd->add_option("--model", o->model, "zoo model name (see `faultbench models`) or an ONNX file (PATH.onnx)")
      ->required();
  cmd->add_option("--dataset", o->dataset, "cifar10 | cifar100 | gtsrb | npy (DIR/images.npy, DIR/labels.npy)")
      ->required();
  cmd->add_option("--weights", o->weights,
                  "checkpoint (.th, .pt/.pth, .safetensors; default: the reference one in the data root)");
  cmd->add_option("--data-dir", o->data_dir,
                  "dataset folder (default: $FAULTBENCH_DATA; npy: the folder of the two files)");
  cmd->add_option("--faults", o->faults, "fault list CSV (Injection,Layer,TensorIndex,Bit[,...])")->required();
  cmd->add_option("--out", o->out, "result CSV; RESULTS.csv.journal and RESULTS.csv.json go beside it")->required();
  add_image_options(cmd, o->images);
  add_threads_option(cmd, o->threads);
  add_choice<std::optional<FaultModel>>(
      cmd, "--fault-model", o->fault_model,
      {{"bitflip", FaultModel::BitFlip}, {"stuck-at-0", FaultModel::StuckAt0}, {"stuck-at-1", FaultModel::StuckAt1}},
      "applied to every fault (default: as listed, bitflip)");
  add_numerics_option(cmd, o->numerics, "arithmetic of the network (docs/NUMERICS.md; default fp32)");
  add_choice(cmd, "--target", o->target, {{"weights", FaultTarget::Weights}, {"activations", FaultTarget::Activations}},
             "what the list's sites are: weights (permanent faults, default) or activations (one output value "
             "flipped in every image's forward pass)");
  add_calibration_option(cmd, o->calibration_images);
  add_choice(cmd, "--mode", o->mode, {{"fast", CampaignMode::Fast}, {"brute-force", CampaignMode::BruteForce}},
             "fast (default) or brute-force (the oracle: a full forward per fault)");
  integer_range(cmd->add_option("--fault-batch", o->fault_batch, "faults per journaled batch (default: automatic)"), 1,
                100000)
      ->group("Tuning");
  integer_range(
      cmd->add_option("--chunk-images", o->chunk_images, "at most this many images per golden chunk (default 256)"), 1,
      100000)
      ->group("Tuning");
  cmd->add_option("--shard", o->shard,
                  "run only part K of N of the list (K/N; a job array's task), into its own --out; "
                  "`faultbench merge` joins the parts")
      ->group("Cluster");
  cmd->add_option("--profile", o->profile,
                  "fast mode: write where the time went (golden passes, per faulty layer, per step) as JSON")
      ->group("Tuning");
  // At most 1 TiB: the byte count (MiB << 20) stays far from overflowing.
  integer_range(cmd->add_option("--memory-mb", o->memory_mb, "memory for golden activations per chunk (default 512)"),
                1, 1 << 20)
      ->group("Tuning");
  real_range(cmd->add_option("--until-margin", o->until_margin,
                             "stop once the critical rate's interval half-width is at most E (faults in a seeded "
                             "random order; the results hold the faults run)"),
             0, 1, true, true)
      ->group("Sequential sampling");
  real_range(
      cmd->add_option("--confidence", o->confidence, "--until-margin: confidence of the interval (default 0.99)"), 0, 1,
      true, true)
      ->group("Sequential sampling");
  add_choice<std::optional<MarginGroups>>(
      cmd, "--per", o->per,
      {{"model", MarginGroups::Model}, {"layer", MarginGroups::Layer}, {"bit", MarginGroups::Bit}},
      "--until-margin: the margin must hold for the whole model (default), every layer or every bit")
      ->group("Sequential sampling");
  integer_range(cmd->add_option("--order-seed", o->order_seed, "--until-margin: seed of the fault order (default 0)"),
                0, int64_t(1) << 62)
      ->group("Sequential sampling");
  cmd->callback([o] { run(*o); });
}

}  // namespace faultbench::cli
