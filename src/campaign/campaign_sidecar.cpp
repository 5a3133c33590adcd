#include "campaign_sidecar.h"

#include <nlohmann/json.hpp>

#include "faultbench/campaign/shard.h"
#include "faultbench/campaign/hashing.h"
#include "faultbench/data/dataset.h"
#include "faultbench/ops/simd_target.h"
#include "faultbench/util/build_info.h"

namespace faultbench {

namespace {

nlohmann::ordered_json data_json(const CampaignRecord& r) {
  const CampaignSpec& spec = *r.spec;
  nlohmann::ordered_json d = {{"dir", spec.data_dir.string()},
                              {"sha256", r.binding->data_sha256},
                              {"images", r.binding->images},
                              {"selection", image_selection_name(spec.images.kind)}};
  if (spec.images.kind == ImageSelectionKind::Stratified) d["image_seed"] = spec.images.seed;
  // The npy dataset is the user's own files: their digests say which ones (the data sha256
  // above covers only the images used).
  if (spec.dataset == kNpyDataset)
    d["files"] = {
        {{"path", (spec.data_dir / "images.npy").string()}, {"sha256", sha256_file(spec.data_dir / "images.npy")}},
        {{"path", (spec.data_dir / "labels.npy").string()}, {"sha256", sha256_file(spec.data_dir / "labels.npy")}}};
  // Which images of the test file were used: implied for all / the first N, listed for a
  // stratified sample (at most one number per test image).
  if (spec.images.kind == ImageSelectionKind::Stratified) d["image_indices"] = r.image_indices;
  return d;
}

nlohmann::ordered_json fault_list_json(const CampaignRecord& r) {
  nlohmann::ordered_json f = {
      {"path", r.spec->faults.string()}, {"sha256", r.binding->faults_sha256}, {"faults", r.binding->faults}};
  if (!r.list) {
    f["seed"] = nullptr;  // a list without its sidecar does not say how it was drawn
    return f;
  }
  const FaultListSidecar& s = *r.list;
  f["seed"] = s.params.seed;
  f["target"] = s.target;
  f["sampling"] = {{"error", s.params.error},
                   {"confidence_t", s.params.confidence_t},
                   {"p", s.params.p},
                   {"scope", s.params.scope == SamplingScope::Network ? "network" : "layer"},
                   {"weights", s.plan.weights},
                   {"population", s.plan.population},
                   {"sample_size", s.plan.sample_size}};
  return f;
}

// A part of a sharded campaign (--shard K/N): which, and the list positions it holds as
// [first, last] runs; `faultbench merge` checks the parts against each other with them.
nlohmann::ordered_json shard_json(const CampaignRecord& r) {
  nlohmann::ordered_json runs = nlohmann::ordered_json::array();
  for (const auto& [first, last] : position_runs(*r.part)) runs.push_back({first, last});
  return {
      {"index", r.spec->shard.index}, {"count", r.spec->shard.count}, {"faults", r.part->size()}, {"positions", runs}};
}

nlohmann::ordered_json until_margin_json(const CampaignRecord& r) {
  const MarginStop& m = *r.spec->until_margin;
  nlohmann::ordered_json groups = nlohmann::ordered_json::array();
  for (const GroupMargin& g : *r.margins)
    groups.push_back({{"group", g.group},
                      {"faults_run", g.faults_run},
                      {"faults_listed", g.faults_listed},
                      {"critical", g.critical},
                      {"injections", g.injections},
                      {"critical_rate", g.rate},
                      {"half_width", g.half_width}});
  return {{"margin", m.margin},
          {"confidence", m.confidence},
          {"per", margin_groups_name(m.per)},
          {"seed", m.seed},
          {"order", "random.Random(seed).shuffle(list(range(faults))), CPython 3"},
          {"checked_every", kMarginCheckEvery},
          {"interval", "Wilson score over the faults run, finite population correction for the group's listed faults"},
          {"faults_run", r.rows},
          {"stopped", r.rows < r.binding->faults ? "margin reached" : "every fault run"},
          {"groups", groups}};
}

}  // namespace

std::string campaign_sidecar_json(const CampaignRecord& r) {
  const CampaignSpec& spec = *r.spec;
  const CampaignBinding& binding = *r.binding;
  FaultCounts total;
  for (const FaultCounts& c : *r.counts) total += c;
  nlohmann::ordered_json j;
  j["faultbench_version"] = faultbench_version();
  j["model"] = binding.model;
  j["dataset"] = binding.dataset;
  if (!binding.model_sha256.empty()) j["model_file"] = {{"path", spec.model}, {"sha256", binding.model_sha256}};
  j["weights"] = {{"path", spec.weights.empty() ? spec.model : spec.weights.string()},
                  {"sha256", binding.weights_sha256}};
  j["data"] = data_json(r);
  j["fault_list"] = fault_list_json(r);
  j["fault_model"] = binding.fault_model;
  j["numerics"] = binding.numerics;
  // Weight campaigns' sidecars stay as they were before activation faults.
  if (binding.target != "weights") j["target"] = binding.target;
  if (!binding.calibration.empty()) j["calibration"] = binding.calibration;
  j["mode"] = campaign_mode_name(spec.engine.mode);
  j["threads"] = r.threads;
  j["golden"] = {{"top1_correct", r.golden.top1_correct}, {"images", binding.images}};
  j["totals"] = {{"masked", total.masked},
                 {"non_critical", total.non_critical},
                 {"critical", total.critical},
                 {"due", total.due},
                 {"top1_correct", total.top1_correct}};
  // What makes the campaign finished: RESULTS.csv with exactly these bytes.
  j["results"] = {{"sha256", r.results_sha256},
                  {"rows", r.part              ? int64_t(r.part->size())
                           : spec.until_margin ? r.rows
                                               : binding.faults}};
  if (r.part) j["shard"] = shard_json(r);
  if (spec.until_margin && r.margins) j["until_margin"] = until_margin_json(r);
  j["binding"] = binding.to_json();
  // Everything above is a function of the inputs; "run" is how this run came about.
  j["run"] = {{"faultbench_version", faultbench_version()},
              {"git_commit", faultbench_git_commit()},
              {"command_line", spec.command_line},
              {"cpu", cpu_description()},
              {"simd", ops::simd_target_name(ops::simd_target())},
              {"started_utc", utc_timestamp(r.started)},
              {"finished_utc", utc_timestamp(r.finished)},
              {"wall_seconds", r.wall_seconds},
              {"resumed_faults", r.resumed_faults}};
  if (r.processes > 1) j["run"]["processes"] = r.processes;
  return j.dump(2) + "\n";
}

}  // namespace faultbench
