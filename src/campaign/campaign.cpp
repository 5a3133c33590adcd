#include "faultbench/campaign/campaign.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "faultbench/campaign/hashing.h"
#include "faultbench/campaign/journal.h"
#include "faultbench/campaign/results_csv.h"
#include "faultbench/data/dataset.h"
#include "faultbench/error.h"
#include "faultbench/faults/validate.h"
#include "faultbench/io/checkpoint.h"
#include "faultbench/util/atomic_file.h"
#include "faultbench/zoo/zoo.h"

namespace faultbench {

std::filesystem::path journal_path_for(const std::filesystem::path& out) { return out.string() + ".journal"; }
std::filesystem::path sidecar_path_for(const std::filesystem::path& out) { return out.string() + ".json"; }

namespace {

// Faults per journaled batch: big enough that the fast mode's golden pass (one forward of
// every image per batch) is shared by many faults (~100 at 10,000 images: a few percent
// of the batch), small enough that a batch is a minute or two of work.
int auto_fault_batch(int64_t images) {
  return int(std::clamp<int64_t>(1000000 / std::max<int64_t>(images, 1), 8, 256));
}

std::string sidecar_json(const CampaignSpec& spec, const CampaignBinding& binding, const EngineOptions& eo,
                         int threads, const FaultCounts& golden, const std::vector<FaultCounts>& counts) {
  FaultCounts total;
  for (const FaultCounts& c : counts) total += c;
  nlohmann::ordered_json j;
  j["faultbench_version"] = FAULTBENCH_VERSION;
  j["model"] = binding.model;
  j["dataset"] = binding.dataset;
  j["weights"] = {{"path", spec.weights.string()}, {"sha256", binding.weights_sha256}};
  j["data"] = {{"dir", spec.data_dir.string()}, {"sha256", binding.data_sha256}, {"images", binding.images}};
  j["fault_list"] = {{"path", spec.faults.string()},
                     {"sha256", binding.faults_sha256},
                     {"faults", binding.faults},
                     {"seed", nullptr}};  // a list file does not record the seed it was drawn with
  j["fault_model"] = binding.fault_model;
  j["mode"] = campaign_mode_name(eo.mode);
  j["threads"] = threads;
  j["golden"] = {{"top1_correct", golden.top1_correct}, {"images", binding.images}};
  j["totals"] = {{"masked", total.masked},
                 {"non_critical", total.non_critical},
                 {"critical", total.critical},
                 {"due", total.due},
                 {"top1_correct", total.top1_correct}};
  j["binding"] = binding.to_json();
  return j.dump(2) + "\n";
}

// A sidecar's three paths (PATH_MAX each, at most 6 bytes a character once escaped) and
// its numbers and hashes take well under 128 KB.
constexpr uint64_t kMaxSidecarBytes = 1u << 20;
constexpr int kMaxSidecarDepth = 16;  // what sidecar_json writes nests 3 deep

// A finished campaign (no journal, RESULTS.csv present): same inputs -> nothing to do.
void check_finished(const CampaignSpec& spec, const CampaignBinding& binding) {
  const auto sidecar = sidecar_path_for(spec.out);
  if (!std::filesystem::exists(sidecar))
    throw UsageError(fmt::format("{} exists but {} (written by faultbench campaign) does not: refusing to "
                                 "overwrite it; remove it or choose another --out",
                                 spec.out.string(), sidecar.filename().string()));
  // Sized before it is read: the sidecar holds three paths and a few numbers and hashes.
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(sidecar, ec);
  if (ec) throw IoError(fmt::format("{}: cannot stat: {}", sidecar.string(), ec.message()));
  if (size > kMaxSidecarBytes)
    throw FormatError(fmt::format("{}: {} bytes, more than a campaign sidecar can hold (the limit is {} bytes)",
                                  sidecar.string(), size, kMaxSidecarBytes));
  const std::string text = read_file_bytes(sidecar);
  const nlohmann::json j = nlohmann::json::parse(
      text,
      [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth > kMaxSidecarDepth)
          throw FormatError(fmt::format("{}: JSON nested deeper than {} levels (the limit)", sidecar.string(),
                                        kMaxSidecarDepth));
        return true;
      },
      false);
  if (j.is_discarded() || !j.is_object() || !j.contains("binding"))
    throw FormatError(fmt::format("{}: not a campaign sidecar (no 'binding' object)", sidecar.string()));
  const CampaignBinding was = CampaignBinding::from_json(j["binding"], sidecar.string() + ": binding");
  const std::string why = was.difference(binding);
  if (!why.empty())
    throw UsageError(fmt::format("{} holds the results of a campaign on other inputs: {}. Refusing to overwrite "
                                 "it; remove it or choose another --out",
                                 spec.out.string(), why));
}

}  // namespace

CampaignReport run_campaign(const CampaignSpec& spec, const std::atomic<bool>* stop, ProgressReporter* progress) {
  Graph graph = build_model(spec.model, spec.dataset);
  const StateDict weights = read_checkpoint(spec.weights, graph);  // reads only what the model needs
  load_state_dict(graph, weights);
  const ImageSet images = load_test_set(spec.dataset, spec.data_dir, spec.images);
  if (images.size() == 0) throw UsageError("campaign: the test set is empty (--images 0?)");
  FaultList list = load_fault_list(spec.faults, fault_sites(graph));
  if (list.size() == 0) throw UsageError(fmt::format("{}: the fault list is empty", spec.faults.string()));
  if (spec.fault_model)
    for (Fault& f : list.faults) f.model = *spec.fault_model;

  CampaignBinding binding;
  binding.model = spec.model;
  binding.dataset = spec.dataset;
  binding.weights_sha256 = sha256_file(spec.weights);
  binding.data_sha256 = images.sha256();
  binding.images = images.size();
  binding.faults_sha256 = sha256_file(spec.faults);
  binding.faults = int64_t(list.size());
  binding.fault_model = spec.fault_model ? fault_model_name(*spec.fault_model) : "as-listed";

  CampaignReport report;
  report.faults = binding.faults;
  report.images = binding.images;
  report.journal = journal_path_for(spec.out);
  if (!std::filesystem::exists(report.journal) && std::filesystem::exists(spec.out)) {
    check_finished(spec, binding);
    report.status = CampaignStatus::AlreadyComplete;
    report.done_faults = report.faults;
    return report;
  }

  Journal journal = Journal::open(report.journal, binding, &report.note);
  std::vector<FaultCounts> counts(list.size());
  std::vector<char> done(list.size(), 0);
  for (const JournalEntry& e : journal.replayed()) {
    counts[size_t(e.position)] = e.counts;
    done[size_t(e.position)] = 1;
  }
  std::vector<size_t> todo;
  for (size_t i = 0; i < list.size(); ++i)
    if (!done[i]) todo.push_back(i);
  report.resumed_faults = report.done_faults = int64_t(list.size() - todo.size());
  if (progress) progress->start(report.faults, report.done_faults, report.images);

  std::vector<ResolvedFault> resolved;
  for (const Fault& f : list.faults) resolved.push_back(resolve_fault(graph, f));
  CampaignEngine engine(graph, images, spec.engine);
  const int batch_size = spec.fault_batch > 0 ? spec.fault_batch : auto_fault_batch(images.size());
  auto on_work = [&](int64_t fi) {
    if (progress) progress->add_work(fi);
  };
  std::vector<ResolvedFault> sub;
  std::vector<FaultCounts> sub_out;
  for (const std::vector<size_t>& batch : plan_fault_batches(resolved, todo, batch_size)) {
    if (stop && stop->load()) {
      report.status = CampaignStatus::Interrupted;
      return report;
    }
    sub.clear();
    for (size_t i : batch) sub.push_back(resolved[i]);
    if (!engine.run(sub, sub_out, stop, on_work)) {
      report.status = CampaignStatus::Interrupted;
      return report;
    }
    std::vector<JournalEntry> entries;
    for (size_t k = 0; k < batch.size(); ++k) {
      counts[batch[k]] = sub_out[k];
      entries.push_back(JournalEntry{int64_t(batch[k]), sub_out[k]});
    }
    journal.append(entries);
    if (spec.engine.profile) report.profile = engine.profile();
    report.done_faults += int64_t(batch.size());
    if (progress) progress->set_done(report.done_faults);
  }

  // Everything is journaled: publish the results, then retire the journal. A crash in
  // between leaves a complete journal, and the rerun just redoes these writes.
  const std::string csv = format_results_csv(list.faults, counts, images.size());
  write_file_atomically(sidecar_path_for(spec.out),
                        sidecar_json(spec, binding, spec.engine, engine.threads(), engine.golden_counts(), counts));
  // Sized before it is read (the file at --out may be anything, of any size).
  std::error_code size_ec;
  if (!std::filesystem::exists(spec.out) || std::filesystem::file_size(spec.out, size_ec) != csv.size() || size_ec ||
      read_file_bytes(spec.out) != csv)
    write_file_atomically(spec.out, csv);
  std::error_code ec;
  std::filesystem::remove(report.journal, ec);
  if (ec) throw IoError(fmt::format("{}: cannot remove the finished journal: {}", report.journal.string(), ec.message()));
  report.status = CampaignStatus::Completed;
  return report;
}

}  // namespace faultbench
