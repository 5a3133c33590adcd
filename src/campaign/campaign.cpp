#include "faultbench/campaign/campaign.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "faultbench/campaign/compare.h"
#include "faultbench/campaign/hashing.h"
#include "faultbench/campaign/journal.h"
#include "faultbench/campaign/model_source.h"
#include "faultbench/campaign/results_csv.h"
#include "faultbench/data/dataset.h"
#include "faultbench/error.h"
#include "faultbench/util/bounded_json.h"
#include "faultbench/faults/validate.h"
#include "faultbench/io/checkpoint.h"
#include "faultbench/util/atomic_file.h"
#include "faultbench/util/digest.h"
#include "faultbench/util/file_bytes.h"
#include "faultbench/faults/list_sidecar.h"
#include "faultbench/zoo/zoo.h"
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
  campaign_io_plan(spec).check();
  const std::string faults_sha256 = sha256_file(spec.faults);
  // How the list was drawn, when its sidecar says so; a list drawn for another model or
  // dataset is refused (its layer names may exist in both and mean other weights).
  FoundListSidecar list_sidecar = find_fault_list_sidecar(spec.faults, faults_sha256);
  if (list_sidecar.sidecar &&
      (list_sidecar.sidecar->model != model_record_name(spec.model) || list_sidecar.sidecar->dataset != spec.dataset))
    throw UsageError(fmt::format("{}: this fault list was drawn for {}/{} ({}), the campaign runs {}/{}",
                                 spec.faults.string(), list_sidecar.sidecar->model, list_sidecar.sidecar->dataset,
                                 fault_list_sidecar_path(spec.faults).filename().string(),
                                 model_record_name(spec.model), spec.dataset));

  // A zoo model, or an imported ONNX graph with its initializers (--weights optional).
  ModelSource model = resolve_model(spec.model, spec.dataset);
  load_model_weights(model, spec.weights);
  Graph& graph = model.graph;
  const auto started = std::chrono::system_clock::now();
  const auto started_steady = std::chrono::steady_clock::now();
  const SelectedImages selected = load_selected_images(spec.dataset, spec.data_dir, spec.images);
  const ImageSet& images = selected.images;
  if (images.size() == 0) throw UsageError("campaign: the test set is empty (--images 0?)");
  // npy: the error names the images file; the built-in sets: the ONNX file.
  if (model.is_onnx() && spec.dataset != kNpyDataset)
    check_model_fits_data(model, images.shape, images.classes - 1, spec.dataset);
  check_images_fit_model(images, graph.input_shape, graph.classes, spec.data_dir);
  // A Keras-convention list is told how to convert it (ListPurpose), not "unknown layer".
  const ListPurpose purpose{spec.model, spec.dataset};
  FaultList list = load_fault_list(spec.faults, fault_sites(graph), Convention::Torch, &purpose);
  if (list.size() == 0) throw UsageError(fmt::format("{}: the fault list is empty", spec.faults.string()));
  if (spec.fault_model)
    for (Fault& f : list.faults) f.model = *spec.fault_model;

  CampaignBinding binding;
  binding.model = model.name;
  binding.dataset = spec.dataset;
  // An ONNX model without --weights: its weights are the file's initializers.
  binding.weights_sha256 = spec.weights.empty() ? model.onnx_sha256 : sha256_file(spec.weights);
  binding.model_sha256 = model.onnx_sha256;
  binding.data_sha256 = images.sha256();
  binding.images = images.size();
  binding.faults_sha256 = faults_sha256;
  binding.faults = int64_t(list.size());
  binding.fault_model = spec.fault_model ? fault_model_name(*spec.fault_model) : "as-listed";
  CampaignReport report;
  report.faults = binding.faults;
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
  if (!list_sidecar.note.empty()) report.note += (report.note.empty() ? "" : "; ") + list_sidecar.note;

  std::vector<ResolvedFault> resolved;
  for (const Fault& f : list.faults) resolved.push_back(resolve_fault(graph, f));
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
  const int batch_size = spec.fault_batch > 0 ? spec.fault_batch : auto_fault_batch(images.size());
  const std::vector<std::vector<size_t>> batches = plan_fault_batches(resolved, todo, batch_size);
  if (progress)
    progress->start(report.faults, report.done_faults, report.images,
                    progress_plan(graph, resolved, batches, spec.engine.mode));
  auto on_work = [&](int64_t fi) {
    if (progress) progress->add_work(fi);
  };
  std::vector<ResolvedFault> sub;
  std::vector<FaultCounts> sub_out;
  for (const std::vector<size_t>& batch : batches) {
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
