#include "faultbench/campaign/campaign.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "faultbench/campaign/compare.h"
#include "faultbench/campaign/hashing.h"
#include "faultbench/campaign/intervals.h"
#include "faultbench/campaign/journal.h"
#include "faultbench/campaign/model_source.h"
#include "faultbench/campaign/results_csv.h"
#include "faultbench/data/dataset.h"
#include "faultbench/error.h"
#include "faultbench/util/bounded_json.h"
#include "faultbench/faults/fault_group.h"
#include "faultbench/faults/validate.h"
#include "faultbench/graph/numerics_graph.h"
#include "faultbench/io/checkpoint.h"
#include "faultbench/util/atomic_file.h"
#include "faultbench/util/digest.h"
#include "faultbench/util/file_bytes.h"
#include "faultbench/faults/list_sidecar.h"
#include "faultbench/zoo/zoo.h"
#include "faultbench/campaign/campaign_inputs.h"
#include "faultbench/campaign/shard.h"
#include "faultbench/campaign/work_distribution.h"
#include "campaign_sidecar.h"

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

// Over several processes (MPI ranks), at least 4 batches each when the list allows, so
// that they share the work and a slow one holds up the end by little; at least 16 faults a
// batch, so that the fast mode's golden pass of a batch stays a small part of it.
int distributed_fault_batch(int batch, size_t faults, int processes) {
  if (processes <= 1) return batch;
  const size_t share = (faults + 4 * size_t(processes) - 1) / (4 * size_t(processes));
  return int(std::min<size_t>(size_t(batch), std::max<size_t>(16, share)));
}

// The progress bar's prior cost of each batch, per fault-image: a fast-mode fault recomputes
// its layer's faulty channel and everything downstream of it, so its cost is about the
// multiply-adds from its layer on (the faulty layer: one output channel's share); brute
// force runs the whole network for every fault.
std::vector<ProgressBatch> progress_plan(const Graph& graph, const std::vector<ResolvedFault>& faults,
                                         const std::vector<std::vector<size_t>>& batches, CampaignMode mode) {
  std::vector<double> suffix(graph.nodes.size() + 1, 0.0);
  for (size_t i = graph.nodes.size(); i-- > 0;) suffix[i] = suffix[i + 1] + double(graph.node_macs(int(i)));
  auto prior = [&](const ResolvedFault& f) {
    if (mode != CampaignMode::Fast) return suffix[0] + 1;
    if (f.activation) return suffix[size_t(f.node) + 1] + 1;  // only what the changed value reaches
    const int64_t channels = std::max<int64_t>(1, graph.params[size_t(f.param)].shape.at(0));
    return double(graph.node_macs(f.node)) / double(channels) + suffix[size_t(f.node) + 1] + 1;
  };
  std::vector<ProgressBatch> plan;
  for (const std::vector<size_t>& batch : batches) {
    double sum = 0;
    for (size_t i : batch) sum += prior(faults[i]);
    plan.push_back(ProgressBatch{int64_t(batch.size()), sum / double(std::max<size_t>(1, batch.size()))});
  }
  return plan;
}

// A sidecar holds three paths (PATH_MAX each, at most 6 bytes a character once escaped),
// numbers and hashes (well under 128 KB) and, for a stratified image sample, one index per
// image (at most 24 bytes each as written).
uint64_t max_sidecar_bytes(int64_t images) { return (uint64_t(1) << 20) + 24 * uint64_t(std::max<int64_t>(images, 0)); }
constexpr int kMaxSidecarDepth = 16;  // what campaign_sidecar_json writes nests 3 deep

std::string sha256_hex(const std::string& bytes) {
  Digest d(DigestAlgorithm::Sha256);
  d.update(bytes.data(), bytes.size());
  return d.hex();
}

// Why RESULTS.csv is not the complete file its (parsed, matching) sidecar describes; ""
// when it is.
std::string why_incomplete(const CampaignSpec& spec, const nlohmann::json& sidecar, const CampaignBinding& binding) {
  if (!std::filesystem::exists(spec.out)) return "it does not exist";
  const auto r = sidecar.find("results");
  if (r != sidecar.end() && r->is_object() && r->contains("sha256") && (*r)["sha256"].is_string()) {
    const std::string bytes = read_file_bytes(spec.out);
    if (bytes.empty()) return "it is empty";
    if (sha256_hex(bytes) != (*r)["sha256"].get<std::string>())
      return "its sha256 is not the one its sidecar records (cut short or changed)";
    return "";
  }
  // A sidecar of a faultbench that did not record the digest: one parseable row per fault.
  try {
    const ResultTable t = read_result_table(spec.out);
    if (int64_t(t.rows.size()) != binding.faults)
      return fmt::format("it has {} rows for {} faults", t.rows.size(), binding.faults);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

enum class Previous { None, Complete, Incomplete };

// What an earlier run left at --out and its sidecar, looked at while no journal exists.
// Complete: the campaign is finished for these inputs. Incomplete: results of these
// inputs that are missing, empty or cut short (*note says which); the campaign runs again
// and replaces them. Anything not known to be ours is refused.
Previous check_previous(const CampaignSpec& spec, const CampaignBinding& binding, std::string* note) {
  const auto sidecar = sidecar_path_for(spec.out);
  const bool have_out = std::filesystem::exists(spec.out), have_sidecar = std::filesystem::exists(sidecar);
  if (!have_out && !have_sidecar) return Previous::None;
  if (!have_sidecar)
    throw UsageError(
        fmt::format("{} exists but {} (written by faultbench campaign) does not: refusing to "
                    "overwrite it; remove it or choose another --out",
                    spec.out.string(), sidecar.filename().string()));
  // Sized before it is read: the sidecar holds three paths and a few numbers and hashes.
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(sidecar, ec);
  if (ec) throw IoError(fmt::format("{}: cannot stat: {}", sidecar.string(), ec.message()));
  if (size > max_sidecar_bytes(binding.images))
    throw FormatError(fmt::format("{}: {} bytes, more than a campaign sidecar can hold (the limit is {} bytes)",
                                  sidecar.string(), size, max_sidecar_bytes(binding.images)));
  const std::string text = read_file_bytes(sidecar);
  const nlohmann::json j = parse_bounded_json(text, kMaxSidecarDepth, sidecar.string());
  if (j.is_discarded() || !j.is_object() || !j.contains("binding")) {
    if (!have_out)
      throw FormatError(
          fmt::format("{} exists but is not a campaign sidecar (no 'binding' object): refusing to "
                      "overwrite it; remove it or choose another --out",
                      sidecar.string()));
    throw FormatError(fmt::format("{}: not a campaign sidecar (no 'binding' object)", sidecar.string()));
  }
  const CampaignBinding was = CampaignBinding::from_json(j["binding"], sidecar.string() + ": binding");
  const std::string why = was.difference(binding);
  if (!why.empty())
    throw UsageError(
        fmt::format("{} holds the results of a campaign on other inputs: {}. Refusing to overwrite "
                    "it; remove it or choose another --out",
                    (have_out ? spec.out : sidecar).string(), why));
  const std::string incomplete = why_incomplete(spec, j, binding);
  if (incomplete.empty()) return Previous::Complete;
  if (note)
    *note = fmt::format("{} is not a complete result of these inputs ({}): running the campaign again",
                        spec.out.string(), incomplete);
  return Previous::Incomplete;
}

}  // namespace

IoPlan campaign_io_plan(const CampaignSpec& spec) {
  IoPlan plan;
  if (names_onnx_file(spec.model)) plan.input("--model", spec.model);
  if (!spec.weights.empty()) plan.input("--weights", spec.weights);
  plan.input("--faults", spec.faults);
  std::error_code ec;
  if (std::filesystem::exists(fault_list_sidecar_path(spec.faults), ec))
    plan.input("the sidecar of --faults", fault_list_sidecar_path(spec.faults));
  add_test_set_inputs(plan, spec.dataset, spec.data_dir);
  plan.output("--out", spec.out);
  plan.output("the sidecar of --out", sidecar_path_for(spec.out));
  plan.output("the journal of --out", journal_path_for(spec.out));
  return plan;
}

CampaignReport run_campaign(const CampaignSpec& spec, const std::atomic<bool>* stop, ProgressReporter* progress) {
  const double margin_z = spec.until_margin ? stats::z_for_confidence(spec.until_margin->confidence) : 0;
  campaign_io_plan(spec).check();
  const auto started = std::chrono::system_clock::now();
  const auto started_steady = std::chrono::steady_clock::now();
  CampaignInputs inputs = load_campaign_inputs(spec);
  const Graph& graph = inputs.graph;
  const SelectedImages& selected = inputs.selected;
  const ImageSet& images = selected.images;
  // One entry per fault (a multi-site fault's first row): positions below are faults.
  const std::vector<Fault>& faults = inputs.faults;
  const FoundListSidecar& list_sidecar = inputs.list_sidecar;
  const CampaignBinding& binding = inputs.binding;
  const std::vector<ResolvedFault>& resolved = inputs.resolved;
  // The faults this run is for: the whole list, or the part --shard names.
  const std::vector<size_t> part = shard_positions(graph, resolved, spec.engine.mode, spec.shard);
  CampaignReport report;
  report.faults = int64_t(part.size());
  report.images = binding.images;
  report.journal = journal_path_for(spec.out);
  auto already_complete = [&] {
    report.status = CampaignStatus::AlreadyComplete;
    report.done_faults = report.faults;
    return report;
  };
  // A finished campaign is recognized without creating the journal (its folder may be
  // read-only by now).
  std::error_code link_ec;
  if (!std::filesystem::is_symlink(report.journal, link_ec) && !std::filesystem::exists(report.journal) &&
      check_previous(spec, binding, nullptr) == Previous::Complete)
    return already_complete();

  Journal journal = Journal::open(report.journal, binding, &report.note);
  if (journal.fresh()) {
    // Looked at again under the lock: another run on this --out may have finished since.
    try {
      std::string note;
      if (check_previous(spec, binding, &note) == Previous::Complete) {
        journal.discard();
        return already_complete();
      }
      if (!note.empty()) report.note += (report.note.empty() ? "" : "; ") + note;
    } catch (...) {
      journal.discard();
      throw;
    }
  }
  // Temporary files of a run that was killed while publishing (none can be in use: we
  // hold the journal's lock).
  remove_stale_temp_files(spec.out);
  remove_stale_temp_files(sidecar_path_for(spec.out));
  std::vector<FaultCounts> counts(faults.size());
  std::vector<char> done(faults.size(), 0);
  for (const JournalEntry& e : journal.replayed()) {
    counts[size_t(e.position)] = e.counts;
    done[size_t(e.position)] = 1;
  }
  std::vector<size_t> todo;
  for (size_t i : part)
    if (!done[i]) todo.push_back(i);
  report.resumed_faults = report.done_faults = int64_t(part.size() - todo.size());
  if (!list_sidecar.note.empty()) report.note += (report.note.empty() ? "" : "; ") + list_sidecar.note;
  const NumericsReport& numerics = inputs.numerics;
  if (numerics.overflowed > 0)
    report.note += (report.note.empty() ? "" : "; ") +
                   fmt::format("{} parameters overflowed to Inf in the {} conversion (first: {})", numerics.overflowed,
                               numerics_name(spec.numerics), numerics.first_overflow);

  EngineOptions engine_options = spec.engine;
  engine_options.weights_name = spec.weights.empty() ? spec.model : spec.weights.string();
  CampaignEngine engine(graph, images, engine_options);
  // A network with non-finite golden logits is refused before any fault runs (image 0
  // here: a bad BatchNorm makes every image NaN; the golden passes check every image). A
  // journal with nothing in it yet is removed, or the rerun with repaired weights would
  // meet a journal "of other inputs".
  try {
    engine.probe_golden(1);
  } catch (const FormatError&) {
    std::error_code ignored;
    if (journal.replayed().empty()) std::filesystem::remove(report.journal, ignored);
    throw;
  }
  LocalDistribution local;
  WorkDistribution& distribution = spec.distribution ? *spec.distribution : local;
  const int batch_size = spec.fault_batch > 0 ? spec.fault_batch
                                              : distributed_fault_batch(auto_fault_batch(images.size()), todo.size(),
                                                                        distribution.processes());
  // --until-margin: the seeded order cut into check points of kMarginCheckEvery faults. Check
  // point k is evaluated once every fault of the order's first (k+1) * kMarginCheckEvery is
  // done, over exactly those faults, so the stop does not depend on the batch size, on the
  // order in which batches finish (MPI) or on interruptions. Each check point's faults still
  // to do are planned into batches as usual.
  MarginCheckpoints checkpoints;
  std::vector<std::vector<size_t>> batches;
  if (spec.until_margin) {
    checkpoints = MarginCheckpoints(shuffled_order(faults.size(), spec.until_margin->seed), done);
    for (size_t k = 0; k < checkpoints.size(); ++k)
      for (std::vector<size_t>& b : plan_fault_batches(resolved, checkpoints.todo(k), batch_size))
        batches.push_back(std::move(b));
  } else {
    batches = plan_fault_batches(resolved, todo, batch_size);
  }
  // Evaluates every check point whose faults are all done; true once the margins are reached.
  auto check_margins = [&] {
    while (!report.margin_reached && checkpoints.next_ready()) {
      report.margins = group_margins(faults, counts, checkpoints.advance(), spec.until_margin->per, margin_z);
      report.margin_reached = margins_reached(report.margins, spec.until_margin->margin);
      if (progress)
        if (const GroupMargin* w = widest_group(report.margins))
          progress->set_note(fmt::format("critical {:.3f}% +-{:.3f}% (target {:.3f}%){}", 100 * w->rate,
                                         100 * w->half_width, 100 * spec.until_margin->margin,
                                         w->group == "all" ? "" : ", widest: " + w->group));
    }
    return report.margin_reached;
  };
  if (spec.until_margin && check_margins()) batches.clear();  // reached by the resumed faults alone
  if (progress)
    progress->start(report.faults, report.done_faults, report.images,
                    progress_plan(graph, resolved, batches, spec.engine.mode));
  auto on_work = [&](int64_t fi) {
    if (progress) progress->add_work(fi);
  };
  // Each finished batch, wherever it ran, is journaled here (this thread) before the next.
  auto journal_batch = [&](const std::vector<size_t>& batch, const std::vector<FaultCounts>& batch_counts) {
    std::vector<JournalEntry> entries;
    for (size_t k = 0; k < batch.size(); ++k) {
      counts[batch[k]] = batch_counts[k];
      if (spec.until_margin) checkpoints.mark_done(batch[k]);
      entries.push_back(JournalEntry{int64_t(batch[k]), batch_counts[k]});
    }
    journal.append(entries);
    if (spec.engine.profile) report.profile = engine.profile();
    report.done_faults += int64_t(batch.size());
    if (progress) progress->set_done(report.done_faults);
    return !(spec.until_margin && check_margins());  // false: hand out no more batches
  };
  const WorkPlan plan{&binding, &resolved, &batches};
  if (!distribution.run(plan, engine, journal_batch, stop, on_work) ||
      (report.done_faults < report.faults && !report.margin_reached)) {
    report.status = CampaignStatus::Interrupted;
    return report;
  }

  // Everything is journaled: publish the results, then retire the journal. A crash in
  // between leaves a complete journal, and the rerun just redoes these writes.
  // With --until-margin the results are the faults of the check points evaluated (in list
  // order): batches that finished beyond the last one (other ranks') stay in the journal only.
  // A multi-site fault is one row: its first site, and the site count when some fault has several.
  std::vector<Fault> run_faults;
  std::vector<FaultCounts> run_counts;
  std::vector<int> run_sites;
  if (spec.until_margin) {
    const std::vector<char>& evaluated = checkpoints.evaluated();
    for (size_t i = 0; i < faults.size(); ++i)
      if (evaluated[i]) {
        run_faults.push_back(faults[i]);
        run_counts.push_back(counts[i]);
        run_sites.push_back(inputs.sites[i]);
      }
  }
  const std::vector<int>* sites = inputs.multi_site ? &inputs.sites : nullptr;
  const std::string csv = spec.until_margin
                              ? format_results_csv(run_faults, run_counts, images.size(), sites ? &run_sites : nullptr)
                          : spec.shard.active() ? format_part_results_csv(faults, counts, images.size(), part, sites)
                                                : format_results_csv(faults, counts, images.size(), sites);
  CampaignRecord record;
  record.spec = &spec;
  record.binding = &binding;
  record.threads = engine.threads();
  record.golden = engine.golden_counts();
  record.counts = &counts;
  record.results_sha256 = sha256_hex(csv);
  record.image_indices = selected.indices;
  record.list = list_sidecar.sidecar;
  record.started = started;
  record.finished = std::chrono::system_clock::now();
  record.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_steady).count();
  record.resumed_faults = report.resumed_faults;
  record.processes = distribution.processes();
  if (spec.shard.active()) record.part = &part;
  record.rows = int64_t(run_faults.size());
  record.margins = &report.margins;
  record.margin_reached = report.margin_reached;
  write_file_atomically(sidecar_path_for(spec.out), campaign_sidecar_json(record));
  // Sized before it is read (the file at --out may be anything, of any size).
  std::error_code size_ec;
  if (!std::filesystem::exists(spec.out) || std::filesystem::file_size(spec.out, size_ec) != csv.size() || size_ec ||
      read_file_bytes(spec.out) != csv)
    write_file_atomically(spec.out, csv);
  std::error_code ec;
  std::filesystem::remove(report.journal, ec);
  if (ec)
    throw IoError(fmt::format("{}: cannot remove the finished journal: {}", report.journal.string(), ec.message()));
  report.status = CampaignStatus::Completed;
  return report;
}

}  // namespace faultbench
