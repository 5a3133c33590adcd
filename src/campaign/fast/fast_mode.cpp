#include "fast_mode.h"

#include <algorithm>

#include "faultbench/error.h"

namespace faultbench::campaign_detail {

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

ChannelWeights FastMode::faulty_channel(const ResolvedFault& f) const {
  const StepId step = index_.step_of_node[size_t(f.node)];
  const Node& node = graph_.nodes[size_t(f.node)];
  if (step_at(steps_, step).node != f.node || (node.kind != OpKind::Conv2d && node.kind != OpKind::Linear))
    throw_internal(__FILE__, __LINE__, "a fault site is not the weight of a conv or linear step");
  // A conv weight [out_c, in_c/groups, k, k] feeds output channel offset / (in_c/groups*k*k)
  // only, a linear weight [out, in] output feature offset / in: that channel's slice, with
  // the fault applied, is all this fault needs of its own.
  const Param& param = graph_.params[size_t(f.param)];
  const int outputs = graph_.values[size_t(node.output)].c;
  const int64_t per_channel = param.value.size() / outputs;
  if (node.kind == OpKind::Linear && std::get<LinearAttrs>(node.attrs).weight_transposed) {
    // Stored [in, out] (ONNX Gemm transB = 0, MatMul): feature offset % out, strided.
    const int channel = int(f.offset % outputs);
    std::vector<float> slice(static_cast<size_t>(per_channel));
    for (int64_t i = 0; i < per_channel; ++i) slice[size_t(i)] = param.value.data[size_t(i * outputs + channel)];
    float& weight = slice[size_t(f.offset / outputs)];
    weight = apply_fault(weight, f.bit, f.model, graph_.numerics);  // the format's bits, as brute force
    return steps_.channel_weights(step.value(), channel, slice.data());
  }
  const int channel = int(f.offset / per_channel);
  std::vector<float> slice(param.value.data.begin() + channel * per_channel,
                           param.value.data.begin() + (channel + 1) * per_channel);
  // Every site of a multi-site fault run here is in this channel (fast_mode_runs).
  for (const ResolvedSite& s : f.sites()) {
    FAULTBENCH_CHECK(s.param == f.param && s.offset / per_channel == channel, "a fault site outside its channel");
    float& weight = slice[size_t(s.offset - channel * per_channel)];
    weight = apply_fault(weight, s.bit, s.model, graph_.numerics);
  }
  return steps_.channel_weights(step.value(), channel, slice.data());
}

FaultCounts FastMode::simulate_fault(const ResolvedFault& f, const ChannelWeights& faulty, Worker& w) const {
  const SimContext ctx = context();
  const SuffixPlan& plan = plans_.at(StepId(faulty.step));
  if (!options_.profile) return simulate_chunk(ctx, plan, faulty, w);
  const int64_t t0 = now_ns();
  const FaultCounts c = simulate_chunk(ctx, plan, faulty, w);
  w.profile.node_ns[size_t(f.node)] += now_ns() - t0;
  w.profile.node_images[size_t(f.node)] += chunk_.count;
  return c;
}

bool FastMode::run(const std::vector<ResolvedFault>& faults, const std::vector<size_t>& which,
                   std::vector<FaultCounts>& out, const std::atomic<bool>* stop,
                   const std::function<void(int64_t)>& progress) {
  ensure_workers();
  // Costly faults (early steps: long suffixes) first, so that the threads finish together.
  std::vector<size_t> order(which);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return faults[a].node < faults[b].node; });
  // What each fault needs of its own, prepared once for all chunks.
  std::vector<ChannelWeights> faulty;
  for (size_t i : order) {
    const StepId step = index_.step_of_node[size_t(faults[i].node)];
    if (!plans_.count(step)) plans_.emplace(step, make_suffix_plan(steps_, graph_.values.size(), step));
    faulty.push_back(faulty_channel(faults[i]));
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
          out[order[t]] += simulate_fault(faults[order[t]], faulty[t], *workers_[size_t(wi)]);
    });
    if (progress) progress(int64_t(order.size()) * count);
  }
  return true;
}

}  // namespace faultbench::campaign_detail
