// CampaignEngine: golden pass, brute-force mode, dispatch and batch planning.
// The fast mode lives in fast/ (fast_mode.h).
#include <algorithm>
#include <bit>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engine_impl.h"
#include "faultbench/error.h"
#include "faultbench/faults/activation_sites.h"
#include "multi_site.h"

namespace faultbench {

const char* campaign_mode_name(CampaignMode mode) { return mode == CampaignMode::Fast ? "fast" : "brute-force"; }

ResolvedFault resolve_fault(const Graph& graph, const Fault& fault) {
  auto p = graph.find_param(fault.site.layer + ".weight");
  // An imported weight not named "<layer>.weight" (tf2onnx: "conv/kernel") is its own
  // layer name, as fault_sites() lists it.
  if (!p) {
    const auto whole = graph.find_param(fault.site.layer);
    if (whole && !graph.params[size_t(*whole)].name.ends_with(".weight")) p = whole;
  }
  // An int8 graph's int32 bias is its own layer name too ("<layer>.bias", fault_sites()).
  if (!p || !(graph.params[size_t(*p)].is_fault_site() || is_int32_bias_site(graph, *p)))
    throw UsageError(fmt::format("fault {}: layer '{}' is not a conv/linear layer of {}", fault.injection,
                                 fault.site.layer, graph.model));
  const Param& param = graph.params[size_t(*p)];
  if (fault.site.index.size() != param.shape.size())
    throw UsageError(fmt::format("fault {}: index rank {} for weight {} of shape {}", fault.injection,
                                 fault.site.index.size(), param.name, shape_to_string(param.shape)));
  for (size_t d = 0; d < param.shape.size(); ++d)
    if (fault.site.index[d] < 0 || fault.site.index[d] >= param.shape[d])
      throw UsageError(fmt::format("fault {}: index out of range for weight {} of shape {}", fault.injection,
                                   param.name, shape_to_string(param.shape)));
  if (fault.site.bit < 0 || fault.site.bit > 31)
    throw UsageError(fmt::format("fault {}: bit {} outside 0..31", fault.injection, fault.site.bit));
  return ResolvedFault{*p, param.node, flat_index(param.shape, fault.site.index), fault.site.bit, fault.model, {}};
}

ResolvedFault resolve_activation_fault(const Graph& graph, const Fault& fault) {
  const std::optional<int> node = graph.find_node(fault.site.layer);
  if (!node || !is_activation_site(graph, *node))
    throw UsageError(fmt::format("fault {}: layer '{}' is not an activation layer of {}", fault.injection,
                                 fault.site.layer, graph.model));
  const ValueShape& v = graph.values[size_t(graph.nodes[size_t(*node)].output)];
  const Shape shape = graph.nodes[size_t(*node)].kind == OpKind::Linear ? Shape{v.c} : Shape{v.c, v.h, v.w};
  bool inside = fault.site.index.size() == shape.size();
  for (size_t d = 0; inside && d < shape.size(); ++d)
    inside = fault.site.index[d] >= 0 && fault.site.index[d] < shape[d];
  if (!inside)
    throw UsageError(fmt::format("fault {}: index {} outside the output {} of '{}'", fault.injection,
                                 fmt::join(fault.site.index, ","), shape_to_string(shape), fault.site.layer));
  if (fault.site.bit < 0 || fault.site.bit > 31)
    throw UsageError(fmt::format("fault {}: bit {} outside 0..31", fault.injection, fault.site.bit));
  ResolvedFault f;
  f.param = -1;
  f.node = *node;
  f.offset = flat_index(shape, fault.site.index);
  f.bit = fault.site.bit;
  f.model = fault.model;
  f.activation = true;
  return f;
}

CampaignEngine::Impl::Impl(const Graph& g, const ImageSet& im, EngineOptions o)
    : graph(g), images(im), options(o), golden(im, g.classes, o.weights_name) {
  if (images.shape != graph.input_shape)
    throw UsageError(fmt::format("test images are {}x{}x{} but {} expects {}x{}x{}", images.shape.c, images.shape.h,
                                 images.shape.w, graph.model, graph.input_shape.c, graph.input_shape.h,
                                 graph.input_shape.w));
  if (images.size() == 0) throw UsageError("campaign: no test images");
  for (int label : images.labels)
    if (label < 0 || label >= graph.classes)
      throw UsageError(
          fmt::format("campaign: label {} outside the {} classes of {}", label, graph.classes, graph.model));
  ExecutorOptions eo;
  eo.threads = options.threads;
  exec = std::make_unique<Executor>(graph, eo);
}

bool CampaignEngine::Impl::ensure_golden(const std::atomic<bool>* stop) {
  if (golden.ready()) return true;
  const int64_t n = images.size();
  const int64_t step = 256;
  Tensor batch;
  for (int64_t first = 0; first < n; first += step) {
    if (stop && stop->load()) return false;
    const int64_t count = std::min(step, n - first);
    batch = Tensor({count, graph.input_shape.c, graph.input_shape.h, graph.input_shape.w});
    images.normalize(first, count, batch.ptr());
    golden.record(first, count, exec->forward(batch).ptr());
  }
  return true;
}

bool CampaignEngine::Impl::run_fast(const std::vector<ResolvedFault>& faults, const std::vector<size_t>& which,
                                    std::vector<FaultCounts>& out, const std::atomic<bool>* stop,
                                    const std::function<void(int64_t)>& progress) {
  if (!fast) fast = std::make_unique<campaign_detail::FastMode>(graph, *exec, images, options, golden);
  return fast->run(faults, which, out, stop, progress);
}

bool CampaignEngine::Impl::run_brute_force(const std::vector<ResolvedFault>& faults, const std::vector<size_t>& which,
                                           std::vector<FaultCounts>& out, const std::atomic<bool>* stop,
                                           const std::function<void(int64_t)>& progress) {
  const int64_t n = images.size();
  const int k = classes();
  const int64_t step = std::max(1, options.max_chunk_images);
  Tensor batch;
  for (size_t f : which) {
    if (faults[f].activation) {
      if (!run_activation_brute_force(faults[f], out[f], stop)) return false;
      if (progress) progress(n);
      continue;
    }
    const campaign_detail::AppliedFault applied(graph, *exec, faults[f]);  // every site, undone at scope end
    FaultCounts counts;
    bool stopped = false;
    for (int64_t first = 0; first < n && !stopped; first += step) {
      if (stop && stop->load()) {
        stopped = true;
        break;
      }
      const int64_t count = std::min(step, n - first);
      batch = Tensor({count, graph.input_shape.c, graph.input_shape.h, graph.input_shape.w});
      images.normalize(first, count, batch.ptr());
      const Tensor logits = exec->forward(batch);
      for (int64_t i = 0; i < count; ++i) {
        const campaign_detail::ImageIndex img(first + i);
        classify_image(golden.logits(img), golden.top1(img), logits.ptr() + i * k, k, golden.label(img), counts);
      }
    }
    if (stopped) return false;
    out[f] = counts;
    if (progress) progress(n);
  }
  return true;
}

CampaignEngine::CampaignEngine(const Graph& graph, const ImageSet& images, EngineOptions options)
    : impl_(std::make_unique<Impl>(graph, images, options)), options_(options) {}

CampaignEngine::~CampaignEngine() = default;

int CampaignEngine::threads() const { return impl_->exec->pool().size(); }

EngineProfile CampaignEngine::profile() const {
  if (!options_.profile || !impl_->fast) return {};
  return impl_->fast->profile();
}

const std::vector<float>& CampaignEngine::golden_logits() {
  impl_->ensure_golden();
  return impl_->golden.all_logits();
}

void CampaignEngine::probe_golden(int64_t count) {
  Impl& m = *impl_;
  count = std::min(count, m.images.size());
  if (count <= 0) return;
  Tensor batch({count, m.graph.input_shape.c, m.graph.input_shape.h, m.graph.input_shape.w});
  m.images.normalize(0, count, batch.ptr());
  m.golden.record(0, count, m.exec->forward(batch).ptr());
}

FaultCounts CampaignEngine::golden_counts() {
  impl_->ensure_golden();
  return impl_->golden.total();
}

bool CampaignEngine::run(const std::vector<ResolvedFault>& faults, std::vector<FaultCounts>& out,
                         const std::atomic<bool>* stop, const std::function<void(int64_t)>& on_progress) {
  for (const ResolvedFault& f : faults) {
    if (f.activation) {
      const bool ok = is_activation_site(impl_->graph, f.node) && f.param == -1 && f.more.empty() && f.offset >= 0 &&
                      f.offset < impl_->graph.values[size_t(impl_->graph.nodes[size_t(f.node)].output)].numel() &&
                      f.bit >= 0 && f.bit <= 31;
      if (!ok) throw UsageError("campaign engine: activation fault not resolved against this graph");
      continue;
    }
    for (const ResolvedSite& s : f.sites()) {
      const bool ok =
          s.param >= 0 && size_t(s.param) < impl_->graph.params.size() &&
          (impl_->graph.params[size_t(s.param)].is_fault_site() || is_int32_bias_site(impl_->graph, s.param)) &&
          s.offset >= 0 && s.offset < impl_->graph.params[size_t(s.param)].value.size() && s.bit >= 0 && s.bit <= 31 &&
          s.node == impl_->graph.params[size_t(s.param)].node;
      if (!ok) throw UsageError("campaign engine: fault not resolved against this graph");
    }
  }
  out.assign(faults.size(), FaultCounts{});
  if (options_.mode == CampaignMode::BruteForce) {
    if (!impl_->ensure_golden(stop)) return false;
    std::vector<size_t> all(faults.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    return impl_->run_brute_force(faults, all, out, stop, on_progress);
  }
  // Fast mode: the golden logits come from the chunks' golden passes (the first run
  // records them; later runs check their chunks against them), not from a separate pass.

  // A fault that leaves the weight's bits unchanged (stuck-at on a bit that already holds
  // the value) changes nothing: every image is classified against itself, nothing runs.
  // Every other fault, multi-site ones over channels and layers included, and every
  // activation fault (one value of one channel), runs fast where fast_mode_runs says so
  // (int8 weight faults too: their faulty channels are recomputed with integer sums); the
  // rest by brute force.
  std::vector<size_t> todo, noops, brute;
  for (size_t i = 0; i < faults.size(); ++i) {
    const ResolvedFault& f = faults[i];
    if (!f.activation && campaign_detail::changes_nothing(impl_->graph, f))
      noops.push_back(i);
    else
      (campaign_detail::fast_mode_runs(impl_->graph, f) ? todo : brute).push_back(i);
  }
  if (!todo.empty() && !impl_->run_fast(faults, todo, out, stop, on_progress)) return false;
  if (noops.empty() && brute.empty()) return true;
  if (!impl_->ensure_golden(stop)) return false;  // only when no fault ran (else already known)
  if (!brute.empty() && !impl_->run_brute_force(faults, brute, out, stop, on_progress)) return false;
  for (size_t i : noops) {
    out[i] = impl_->golden.total();
    if (on_progress) on_progress(impl_->images.size());
  }
  return true;
}

std::vector<std::vector<size_t>> plan_fault_batches(const std::vector<ResolvedFault>& faults,
                                                    const std::vector<size_t>& todo, int batch_size) {
  batch_size = std::max(1, batch_size);
  std::vector<size_t> order(todo);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return faults.at(a).node != faults.at(b).node ? faults.at(a).node < faults.at(b).node : a < b;
  });
  std::vector<std::vector<size_t>> batches;
  for (size_t b = 0; b < order.size(); b += size_t(batch_size))
    batches.emplace_back(order.begin() + std::ptrdiff_t(b),
                         order.begin() + std::ptrdiff_t(std::min(order.size(), b + size_t(batch_size))));
  return batches;
}

}  // namespace faultbench
