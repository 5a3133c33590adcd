// Fast mode: per faulty node, per chunk of images, one golden pass keeps the activations
// the node's faults need; per fault only the dependent suffix of the network is
// recomputed, on micro-batches of the chunk's images, dropping each image as soon as all
// of its still-needed changed activations are bitwise golden again (it is then masked:
// everything downstream is a pure function of those activations).
#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "engine_impl.h"
#include "faultbench/error.h"

namespace faultbench {

using namespace campaign_detail;

namespace {
constexpr int kSimBatch = 8;  // images per suffix recomputation: keeps activations in cache
}

FloatBuf BufferPool::acquire(size_t floats) {
  floats = std::max<size_t>(floats, 16);
  size_t best = free_.size();
  for (size_t i = 0; i < free_.size(); ++i)
    if (free_[i].capacity >= floats && (best == free_.size() || free_[i].capacity < free_[best].capacity)) best = i;
  if (best < free_.size()) {
    FloatBuf b = std::move(free_[best]);
    free_.erase(free_.begin() + std::ptrdiff_t(best));
    return b;
  }
  if (!free_.empty()) free_.pop_back();  // grow instead of adding: drop one too-small buffer
  FloatBuf b;
  const size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
  b.data.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
  if (!b.data) throw std::bad_alloc();
  b.capacity = bytes / sizeof(float);
  return b;
}

void BufferPool::release(FloatBuf&& buf) {
  if (buf) free_.push_back(std::move(buf));
}

namespace campaign_detail {

SuffixPlan make_suffix_plan(const Graph& g, int node) {
  SuffixPlan p;
  p.node = node;
  const size_t nv = g.values.size();
  std::vector<char> changed(nv, 0);
  p.keep.assign(nv, 0);
  p.last_use.assign(nv, -1);
  p.last_desc_use.assign(nv, -1);
  for (size_t i = 1; i < g.nodes.size(); ++i)
    for (int v : g.nodes[i].inputs) p.last_use[size_t(v)] = int(i);
  for (size_t i = size_t(node); i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    bool dep = int(i) == node;
    for (int v : n.inputs) dep = dep || changed[size_t(v)];
    if (!dep) continue;
    p.desc.push_back(int(i));
    changed[size_t(n.output)] = 1;
    p.keep[size_t(n.output)] = 1;
    for (int v : n.inputs) {
      p.keep[size_t(v)] = 1;
      p.last_desc_use[size_t(v)] = int(i);
    }
  }
  p.keep[size_t(g.output_value)] = 1;  // golden logits of the chunk, checked against the golden pass
  p.last_node = p.desc.back();
  for (size_t i = 1; i < g.nodes.size(); ++i)
    if (g.nodes[i].output == g.output_value) p.last_node = std::max(p.last_node, int(i));
  // Peak floats per image of the golden pass: kept values accumulate, others die at last use.
  int64_t live = g.values[size_t(g.input_value)].numel(), peak = live;
  for (int i = 1; i <= p.last_node; ++i) {
    const Node& n = g.nodes[size_t(i)];
    live += g.values[size_t(n.output)].numel();
    peak = std::max(peak, live);
    for (int v : n.inputs)
      if (p.last_use[size_t(v)] == i && !p.keep[size_t(v)]) live -= g.values[size_t(v)].numel();
  }
  p.golden_floats = peak;
  return p;
}

}  // namespace campaign_detail

int CampaignEngine::Impl::chunk_images(const SuffixPlan& plan) const {
  // Golden activations dominate: the workers' scratch is only kSimBatch images each.
  const int64_t per_image = std::max<int64_t>(1, plan.golden_floats * int64_t(sizeof(float)));
  int64_t b = options.memory_budget / per_image;
  b = std::clamp<int64_t>(b, 1, std::max(1, options.max_chunk_images));
  const int64_t n = images.size();
  if (b >= n) return int(n);
  const int64_t chunks = (n + b - 1) / b;
  return int((n + chunks - 1) / chunks);  // balanced chunks, none tiny
}

void CampaignEngine::Impl::compute_golden_chunk(const SuffixPlan& plan, int64_t first, int count) {
  GoldenChunk& gc = chunk;
  if (gc.plan_node == plan.node && gc.first == first && gc.count == count) return;  // still valid
  for (FloatBuf& b : gc.values) golden_pool.release(std::move(b));
  if (gc.plan_node != plan.node) golden_pool.clear();  // sizes change with the plan: start afresh
  gc.values.clear();
  gc.values.resize(graph.values.size());
  gc.plan_node = -1;
  const int64_t in_floats = graph.input_shape.numel();
  FloatBuf& in = gc.values[size_t(graph.input_value)];
  in = golden_pool.acquire(size_t(count * in_floats));
  images.normalize(first, count, in.get());
  std::vector<const float*> ins;
  for (int i = 1; i <= plan.last_node; ++i) {
    const Node& n = graph.nodes[size_t(i)];
    ins.clear();
    for (int v : n.inputs) ins.push_back(gc.values[size_t(v)].get());
    FloatBuf out = golden_pool.acquire(size_t(count * graph.values[size_t(n.output)].numel()));
    exec->run_node(i, ins, out.get(), count, &exec->pool());
    gc.values[size_t(n.output)] = std::move(out);
    for (int v : n.inputs)
      if (plan.last_use[size_t(v)] == i && !plan.keep[size_t(v)]) golden_pool.release(std::move(gc.values[size_t(v)]));
  }
  // Safety net for the determinism contract the whole mode rests on.
  const int k = classes();
  const float* logits = gc.values[size_t(graph.output_value)].get();
  if (std::memcmp(logits, golden_logits.data() + first * k, size_t(count) * size_t(k) * sizeof(float)) != 0)
    throw_internal(__FILE__, __LINE__, "golden logits of a chunk differ from the full forward pass: "
                                       "the executor is not deterministic per image");
  gc.plan_node = plan.node;
  gc.first = first;
  gc.count = count;
}

FaultCounts CampaignEngine::Impl::simulate_chunk(const SuffixPlan& plan, Worker& w) const {
  const Graph& g = w.graph;
  const GoldenChunk& gc = chunk;
  const int k = classes();
  FaultCounts counts;
  w.changed.resize(g.values.size());
  w.differs.resize(g.values.size());
  std::vector<int> active, keep, live;
  std::vector<const float*> ins;
  std::vector<FloatBuf> temps;
  auto row_floats = [&](int v) { return size_t(g.values[size_t(v)].numel()); };

  for (int start = 0; start < gc.count; start += kSimBatch) {
    const int mb = std::min(kSimBatch, gc.count - start);
    active.resize(size_t(mb));
    std::iota(active.begin(), active.end(), start);  // chunk-local image indices
    live.clear();
    bool all_masked = false;
    for (int ni : plan.desc) {
      const Node& n = g.nodes[size_t(ni)];
      const int a = int(active.size());
      const bool contiguous = active.back() - active.front() + 1 == a;
      ins.clear();
      for (int v : n.inputs) {
        if (w.changed[size_t(v)]) {
          ins.push_back(w.changed[size_t(v)].get());
        } else if (contiguous) {
          ins.push_back(gc.values[size_t(v)].get() + size_t(active.front()) * row_floats(v));
        } else {  // gather the golden rows of the surviving images
          FloatBuf t = w.pool.acquire(size_t(a) * row_floats(v));
          for (int j = 0; j < a; ++j)
            std::memcpy(t.get() + size_t(j) * row_floats(v), gc.values[size_t(v)].get() + size_t(active[size_t(j)]) * row_floats(v),
                        row_floats(v) * sizeof(float));
          ins.push_back(t.get());
          temps.push_back(std::move(t));
        }
      }
      const int o = n.output;
      const size_t of = row_floats(o);
      FloatBuf out = w.pool.acquire(size_t(a) * of);
      w.exec->run_node(ni, ins, out.get(), a, nullptr);
      for (FloatBuf& t : temps) w.pool.release(std::move(t));
      temps.clear();
      std::vector<uint8_t>& d = w.differs[size_t(o)];
      d.resize(size_t(a));
      for (int j = 0; j < a; ++j)
        d[size_t(j)] = std::memcmp(out.get() + size_t(j) * of, gc.values[size_t(o)].get() + size_t(active[size_t(j)]) * of,
                                   of * sizeof(float)) != 0;
      w.changed[size_t(o)] = std::move(out);
      live.push_back(o);
      // Retire changed values no later node reads (the logits stay to be classified).
      std::erase_if(live, [&](int v) {
        if (v == g.output_value || plan.last_desc_use[size_t(v)] > ni) return false;
        w.pool.release(std::move(w.changed[size_t(v)]));
        return true;
      });
      // Drop images whose live changed values are all golden again: they are masked.
      keep.clear();
      for (int j = 0; j < a; ++j) {
        bool differs = false;
        for (int v : live) differs = differs || w.differs[size_t(v)][size_t(j)];
        if (differs) keep.push_back(j);
      }
      if (int(keep.size()) < a) {
        size_t pos = 0;
        for (int j = 0; j < a; ++j) {
          if (pos < keep.size() && keep[pos] == j) { ++pos; continue; }
          counts += golden_self[size_t(gc.first + active[size_t(j)])];
        }
        for (int v : live) {
          const size_t vf = row_floats(v);
          float* base = w.changed[size_t(v)].get();
          std::vector<uint8_t>& dv = w.differs[size_t(v)];
          for (size_t j = 0; j < keep.size(); ++j) {
            if (size_t(keep[j]) != j) std::memmove(base + j * vf, base + size_t(keep[j]) * vf, vf * sizeof(float));
            dv[j] = dv[size_t(keep[j])];
          }
          dv.resize(keep.size());
        }
        for (size_t j = 0; j < keep.size(); ++j) active[j] = active[size_t(keep[j])];
        active.resize(keep.size());
        if (active.empty()) {
          all_masked = true;
          break;
        }
      }
    }
    if (!all_masked) {
      const FloatBuf& logits = w.changed[size_t(g.output_value)];
      for (size_t j = 0; j < active.size(); ++j) {
        const int64_t img = gc.first + active[j];
        if (logits)
          classify_image(golden_logits.data() + img * k, golden_top1[size_t(img)], logits.get() + j * size_t(k), k,
                         images.labels[size_t(img)], counts);
        else
          counts += golden_self[size_t(img)];
      }
    }
    for (int v : live) w.pool.release(std::move(w.changed[size_t(v)]));
  }
  return counts;
}

bool CampaignEngine::Impl::run_fast(const std::vector<ResolvedFault>& faults, const std::vector<size_t>& which,
                                    std::vector<FaultCounts>& out, const std::atomic<bool>* stop,
                                    const std::function<void(int64_t)>& progress) {
  ensure_workers();
  std::map<int, std::vector<size_t>> by_node;
  for (size_t i : which) by_node[faults[i].node].push_back(i);
  for (auto& [node, list] : by_node) {
    const SuffixPlan plan = make_suffix_plan(graph, node);
    const int per_chunk = chunk_images(plan);
    for (auto& w : workers) w->pool.clear();
    for (int64_t first = 0; first < images.size(); first += per_chunk) {
      if (stop && stop->load()) return false;
      const int count = int(std::min<int64_t>(per_chunk, images.size() - first));
      compute_golden_chunk(plan, first, count);
      std::atomic<size_t> next{0};
      exec->pool().parallel_for(int64_t(workers.size()), [&](int64_t b, int64_t e, int) {
        for (int64_t wi = b; wi < e; ++wi) {
          Worker& w = *workers[size_t(wi)];
          for (size_t t = next++; t < list.size(); t = next++) {
            const ResolvedFault& f = faults[list[t]];
            float& weight = w.graph.params[size_t(f.param)].value.data[size_t(f.offset)];
            const float original = weight;
            weight = apply_fault(original, f.bit, f.model);
            w.exec->param_changed(f.param);
            FaultCounts c;
            try {
              c = simulate_chunk(plan, w);
            } catch (...) {
              weight = original;
              w.exec->param_changed(f.param);
              throw;
            }
            weight = original;
            w.exec->param_changed(f.param);
            out[list[t]] += c;
          }
        }
      });
      if (progress) progress(int64_t(list.size()) * count);
    }
  }
  return true;
}

}  // namespace faultbench
