#include "fast_mode.h"

#include <algorithm>
#include <map>

namespace faultbench::campaign_detail {

bool fast_mode_runs(const Graph& g, const ResolvedFault& fault) {
  if (g.numerics != Numerics::Int8) return true;
  if (fault.activation) return false;
  for (const ResolvedSite& s : fault.sites()) {
    const Node& n = g.nodes[size_t(s.node)];
    if (!is_channel_weight_node(n) || n.params.empty() || n.params[0] != s.param) return false;
  }
  return true;
}

FastMode::FastMode(const Graph& graph, Executor& exec, const ImageSet& images, const EngineOptions& options,
                   GoldenRecord& golden)
    : graph_(graph),
      exec_(exec),
      steps_(exec),
      images_(images),
      options_(options),
      golden_(golden),
      index_(make_step_index(graph, steps_)) {}

void FastMode::ensure_workers() {
  const size_t threads = size_t(exec_.pool().size());
  if (options_.profile) node_faults_.resize(graph_.nodes.size(), 0);
  while (workers_.size() < threads) {
    auto w = std::make_unique<Worker>();
    if (options_.profile) w->profile.reset(steps_.steps().size(), graph_.nodes.size());
    workers_.push_back(std::move(w));
  }
}

SimContext FastMode::context() const {
  return SimContext{graph_, steps_, index_, chunk_, resume_, golden_, options_.profile};
}

int FastMode::chunk_images() const {
  // The golden values dominate: the workers' scratch is only sim_batch images each.
  const int64_t per_image =
      std::max<int64_t>(1, (index_.stored_floats + resume_.floats_per_image) * int64_t(sizeof(float)));
  int64_t b = options_.memory_budget / per_image;
  b = std::clamp<int64_t>(b, 1, std::max(1, options_.max_chunk_images));
  const int64_t n = images_.size();
  if (b >= n) return int(n);
  // Whole micro-batches: a chunk of 34 images would run as 26 + 8, and a micro-batch costs
  // one pass over the weights whatever its size (DenseNet121's do not fit in cache).
  const int sb = index_.sim_batch;
  if (b >= sb) b = b / sb * sb;
  const int64_t chunks = (n + b - 1) / b;
  return int((n + chunks - 1) / chunks);  // balanced chunks, none tiny
}

FaultRun FastMode::prepare(const ResolvedFault& f) {
  FaultRun run;
  run.steps = faulty_steps(graph_, steps_, index_, f);
  std::vector<StepId> key = step_ids(run.steps);
  auto it = plans_.find(key);
  if (it == plans_.end()) it = plans_.emplace(key, make_suffix_plan(steps_, graph_.values.size(), key)).first;
  run.plan = &it->second;  // std::map: stays valid as plans are added
  return run;
}

FaultCounts FastMode::simulate_fault(const ResolvedFault& f, const FaultRun& run, Worker& w) const {
  const SimContext ctx = context();
  if (!options_.profile) return simulate_chunk(ctx, run, w);
  const int64_t t0 = now_ns();
  const FaultCounts c = simulate_chunk(ctx, run, w);
  w.profile.node_ns[size_t(f.node)] += now_ns() - t0;
  w.profile.node_images[size_t(f.node)] += chunk_.count;
  return c;
}

bool FastMode::run(const std::vector<ResolvedFault>& faults, const std::vector<size_t>& which,
                   std::vector<FaultCounts>& out, const std::atomic<bool>* stop,
                   const std::function<void(int64_t)>& progress) {
  ensure_workers();
  // The plans of several faulty steps are as many as such faults in a list: they live for
  // this run only (those of one step, one per layer at most, stay; the resume points they
  // added stay too).
  struct DropMultiStepPlans {
    SuffixPlans& plans;
    ~DropMultiStepPlans() {
      std::erase_if(plans, [](const auto& p) { return p.first.size() > 1; });
    }
  } drop{plans_};
  // Costly faults (early steps: long suffixes) first, so that the threads finish together.
  std::vector<size_t> order(which);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return faults[a].node < faults[b].node; });
  // What each fault needs of its own, prepared once for all chunks.
  std::vector<FaultRun> runs;
  for (size_t i : order) {
    runs.push_back(prepare(faults[i]));
    if (options_.profile) ++node_faults_[size_t(faults[i].node)];
  }
  if (order.empty()) return true;
  add_resume_points(graph_, steps_, index_, plans_, resume_);
  const int per_chunk = chunk_images();
  const int64_t n = images_.size(), chunks = (n + per_chunk - 1) / per_chunk;
  reverse_chunks_ = !reverse_chunks_;
  for (int64_t c = 0; c < chunks; ++c) {
    if (stop && stop->load()) return false;
    const int64_t first = (reverse_chunks_ ? chunks - 1 - c : c) * per_chunk;
    const int count = int(std::min<int64_t>(per_chunk, n - first));
    const int64_t t0 = options_.profile ? now_ns() : 0;
    compute_golden_chunk(first, count);
    if (options_.profile) golden_ns_ += (now_ns() - t0) * exec_.pool().size();  // all threads work on it
    std::atomic<size_t> next{0};
    exec_.pool().parallel_for(int64_t(workers_.size()), [&](int64_t b, int64_t e, int) {
      for (int64_t wi = b; wi < e; ++wi)
        for (size_t t = next++; t < order.size(); t = next++)
          out[order[t]] += simulate_fault(faults[order[t]], runs[t], *workers_[size_t(wi)]);
    });
    if (progress) progress(int64_t(order.size()) * count);
  }
  return true;
}

}  // namespace faultbench::campaign_detail
