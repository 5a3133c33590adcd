// Fast mode. Per chunk of images, one golden pass through the executor's fused schedule
// keeps every stored value; then every fault of the run is simulated against it: only the
// steps downstream of the faulty one are recomputed, on micro-batches of the chunk's
// images, with the same fused kernels as a full forward (so the same bits). A conv weight
// (co, ci, kh, kw) changes output channel co only, so the faulty step computes just that
// channel over a copy of its golden output. An image is dropped as soon as all of its
// still-needed changed values are bitwise golden again (it is then masked: everything
// downstream is a pure function of those values).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <numeric>

#include <fmt/format.h>

#include "engine_impl.h"
#include "position_masks.h"
#include "faultbench/error.h"

namespace faultbench {

using namespace campaign_detail;

namespace {
// Images per suffix recomputation: few enough that the activations stay in cache, and,
// for a network whose weights do not fit in cache (DenseNet121, VGG: tens of MB), enough
// that each weight fetched from memory serves many images. About one image per MiB of
// weights, 8 to 32 (DenseNet121 at 100 images: 32 is 7 % faster than 8; ResNet20, 1 MiB,
// keeps 8).
int sim_batch_for(const Graph& g) {
  int64_t bytes = 0;
  for (const Param& p : g.params) bytes += int64_t(p.value.data.size() * sizeof(float));
  return int(std::clamp<int64_t>(bytes >> 20, 8, 32));
}

// How many leading channels of step st's output are golden, given golden(v) for each input
// value (its channel count when v is unchanged): per-channel operations keep their
// input's, a concatenation those before its first changed channel, an add the fewer of
// its operands'; anything else (conv, linear, flatten...) mixes or moves channels: none.
template <class GoldenOf>
int golden_channels_after(const Graph& g, const ExecStep& st, GoldenOf golden) {
  switch (g.nodes[size_t(st.node)].kind) {
    case OpKind::BatchNorm2d:
    case OpKind::ReLU:
    case OpKind::MaxPool2d:
    case OpKind::AvgPool2d:
    case OpKind::GlobalAvgPool:
      return golden(st.inputs[0]);
    case OpKind::Add:
      return std::min(golden(st.inputs[0]), golden(st.inputs[1]));
    case OpKind::Concat: {
      int offset = 0, first = g.values[size_t(st.output)].c;
      for (int v : st.inputs) {
        first = std::min(first, offset + golden(v));
        offset += g.values[size_t(v)].c;
      }
      return first;
    }
    default:
      return 0;
  }
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

AlignedBuffer BufferPool::acquire(size_t floats) {
  floats = std::max<size_t>(floats, 16);
  size_t best = free_.size();
  for (size_t i = 0; i < free_.size(); ++i)
    if (free_[i].size() >= floats && (best == free_.size() || free_[i].size() < free_[best].size())) best = i;
  if (best < free_.size()) {
    AlignedBuffer b = std::move(free_[best]);
    free_.erase(free_.begin() + std::ptrdiff_t(best));
    return b;
  }
  if (!free_.empty()) free_.pop_back();  // grow instead of adding: drop one too-small buffer
  AlignedBuffer b;
  b.resize_uninitialized((floats + 15) / 16 * 16);  // whole cache lines: the spare floats are usable
  return b;
}

void BufferPool::release(AlignedBuffer&& buf) {
  if (buf) free_.push_back(std::move(buf));
}

namespace campaign_detail {

StepIndex make_step_index(const Graph& g, const Executor& exec) {
  StepIndex x;
  const auto& steps = exec.steps();
  x.step_of_node.assign(g.nodes.size(), -1);
  x.row_floats.resize(g.values.size());
  x.stored.assign(g.values.size(), 0);
  for (size_t v = 0; v < g.values.size(); ++v) x.row_floats[v] = g.values[v].numel();
  x.stored[size_t(g.input_value)] = 1;
  for (size_t si = 0; si < steps.size(); ++si) {
    for (int m : steps[si].members) x.step_of_node[size_t(m)] = int(si);
    x.stored[size_t(steps[si].output)] = 1;
  }
  for (size_t v = 0; v < g.values.size(); ++v)
    if (x.stored[v]) x.stored_floats += x.row_floats[v];
  x.sim_batch = sim_batch_for(g);
  return x;
}

SuffixPlan make_suffix_plan(const Executor& exec, size_t values, int step) {
  const auto& steps = exec.steps();
  SuffixPlan p;
  p.step = step;
  std::vector<char> changed(values, 0);
  p.last_desc_use.assign(values, -1);
  for (size_t si = size_t(step); si < steps.size(); ++si) {
    const ExecStep& st = steps[si];
    bool dep = int(si) == step;
    for (int v : st.inputs) dep = dep || changed[size_t(v)];
    if (!dep) continue;
    p.desc.push_back(int(si));
    changed[size_t(st.output)] = 1;
    for (int v : st.inputs) p.last_desc_use[size_t(v)] = int(si);
  }
  return p;
}

}  // namespace campaign_detail

void CampaignEngine::Impl::update_resume_points() {
  // Per plan, what its faults leave golden, channel-wise, with the faulty channel taken as
  // 0 (a fault in channel c keeps at least as much): a resumable conv whose input keeps its
  // first b channels golden continues from the golden sums over them.
  const auto& steps = exec->steps();
  resume.by_step.resize(steps.size());
  bool grew = false;
  std::vector<int> golden(graph.values.size());
  for (const auto& [step, plan] : plans) {
    for (size_t v = 0; v < golden.size(); ++v) golden[v] = graph.values[v].c;
    for (int si : plan.desc) {
      const ExecStep& st = steps[size_t(si)];
      const int b = golden[size_t(st.inputs[0])];
      if (si != step && b > 0 && b < graph.values[size_t(st.inputs[0])].c && exec->step_resumable(si)) {
        std::vector<int>& at = resume.by_step[size_t(si)];
        const auto it = std::lower_bound(at.begin(), at.end(), b);
        if (it == at.end() || *it != b) {
          at.insert(it, b);
          grew = true;
        }
      }
      golden[size_t(st.output)] =
          si == step ? 0 : golden_channels_after(graph, st, [&](int v) { return golden[size_t(v)]; });
    }
  }
  if (!grew) return;
  ++resume.version;
  resume.floats_per_image = 0;
  for (size_t si = 0; si < steps.size(); ++si)
    resume.floats_per_image += int64_t(resume.by_step[si].size()) * step_index.row_floats[size_t(steps[si].output)];
}

int CampaignEngine::Impl::chunk_images() const {
  // The golden values dominate: the workers' scratch is only sim_batch images each.
  const int64_t per_image =
      std::max<int64_t>(1, (step_index.stored_floats + resume.floats_per_image) * int64_t(sizeof(float)));
  int64_t b = options.memory_budget / per_image;
  b = std::clamp<int64_t>(b, 1, std::max(1, options.max_chunk_images));
  const int64_t n = images.size();
  if (b >= n) return int(n);
  // Whole micro-batches: a chunk of 34 images would run as 26 + 8, and a micro-batch costs
  // one pass over the weights whatever its size (DenseNet121's do not fit in cache).
  const int sb = step_index.sim_batch;
  if (b >= sb) b = b / sb * sb;
  const int64_t chunks = (n + b - 1) / b;
  return int((n + chunks - 1) / chunks);  // balanced chunks, none tiny
}

void CampaignEngine::Impl::compute_golden_chunk(int64_t first, int count) {
  GoldenChunk& gc = chunk;
  if (gc.count == count && gc.first == first && gc.resume_version == resume.version) return;  // still valid
  gc.count = 0;
  auto ensure = [&](AlignedBuffer& buf, size_t need) {
    if (!buf || buf.size() < need) {
      golden_pool.release(std::move(buf));
      buf = golden_pool.acquire(need);
    }
  };
  gc.values.resize(graph.values.size());
  for (size_t v = 0; v < graph.values.size(); ++v)
    if (step_index.stored[v]) ensure(gc.values[v], size_t(count) * size_t(step_index.row_floats[v]));
  const auto& steps = exec->steps();
  gc.partials.resize(steps.size());
  for (size_t si = 0; si < steps.size(); ++si) {
    gc.partials[si].resize(resume.by_step[si].size());
    for (AlignedBuffer& buf : gc.partials[si])
      ensure(buf, size_t(count) * size_t(step_index.row_floats[size_t(steps[si].output)]));
  }
  golden_pool.clear();  // buffers too small for this chunk size
  images.normalize(first, count, gc.values[size_t(graph.input_value)].data());
  // Image-parallel, each thread runs the whole schedule on micro-batches of its share, so
  // that one step's activations are still in cache for the next.
  // Micro-batches as the suffix recomputation's (4 images at least, as the executor's forward).
  const int golden_batch = std::max(4, step_index.sim_batch / 2);
  exec->pool().parallel_for(count, [&](int64_t b, int64_t e, int) {
    std::vector<const float*> ins;
    for (int64_t start = b; start < e; start += golden_batch) {
      const int mb = int(std::min<int64_t>(golden_batch, e - start));
      auto row = [&](int v) { return gc.values[size_t(v)].data() + start * step_index.row_floats[size_t(v)]; };
      for (size_t si = 0; si < steps.size(); ++si) {
        ins.clear();
        for (int v : steps[si].inputs) ins.push_back(row(v));
        const std::vector<int>& at = resume.by_step[si];
        if (at.empty()) {
          exec->run_step(int(si), ins, row(steps[si].output), mb, nullptr);
          continue;
        }
        // The same sums in slices, saving each boundary's (the same bits: one fma chain).
        const size_t of = size_t(step_index.row_floats[size_t(steps[si].output)]);
        const float* partial = nullptr;
        int begin = 0;
        for (size_t i = 0; i < at.size(); ++i) {
          float* saved = gc.partials[si][i].data() + size_t(start) * of;
          exec->run_step_segment(int(si), ins, {begin, at[i], partial, false}, saved, mb, nullptr);
          partial = saved;
          begin = at[i];
        }
        const int in_c = graph.values[size_t(steps[si].inputs[0])].c;
        exec->run_step_segment(int(si), ins, {begin, in_c, partial, true}, row(steps[si].output), mb, nullptr);
      }
    }
  });
  // Images seen before (an earlier run, or the brute-force golden pass): the safety net
  // for the determinism contract the whole mode rests on. The others are recorded.
  const int k = classes();
  const float* logits = gc.values[size_t(graph.output_value)].data();
  init_golden();
  for (int i = 0; i < count; ++i)
    if (golden_known[size_t(first + i)] &&
        std::memcmp(logits + i * k, golden_logits.data() + (first + i) * k, size_t(k) * sizeof(float)) != 0)
      throw_internal(__FILE__, __LINE__, "golden logits of a chunk differ from an earlier pass over the same "
                                         "image: the executor is not deterministic per image");
  record_golden(first, count, logits);
  gc.first = first;
  gc.count = count;
  gc.resume_version = resume.version;
}

// For a conv step whose changed inputs all have position bitmaps (w.has_positions): per
// active image, the output positions whose window holds a possibly changed input position
// or where a fused residual may differ. Only the faulty step's output gets its bitmap by
// comparison (one channel plane, where the faulty channel differs: about 18 % of the
// positions in ResNet20, a weight only meets the non-zero values of its input channel);
// a step run with such a bitmap passes it on as its own output's (a superset of what
// changed: the other positions were copied from golden). Comparing every channel of
// every step would cost more than it saves (measured). Null when the step cannot skip
// positions, reads a changed value without a bitmap, or most positions are needed.
const uint64_t* CampaignEngine::Impl::needed_positions(const ExecStep& st, const std::vector<int>& active,
                                                       Worker& w) const {
  const int si = int(&st - exec->steps().data());
  if (!exec->step_skips_positions(si)) return nullptr;
  for (int v : st.inputs)
    if (w.changed[size_t(v)] && !w.has_positions[size_t(v)]) return nullptr;
  const Node& n = graph.nodes[size_t(st.node)];
  const Conv2dAttrs& c = std::get<Conv2dAttrs>(n.attrs);
  const ValueShape& in = graph.values[size_t(st.inputs[0])];
  const ValueShape& out = graph.values[size_t(st.output)];
  const int64_t in_words = mask_words(int64_t(in.h) * in.w), out_pos = int64_t(out.h) * out.w;
  const int64_t words = mask_words(out_pos);
  const int a = int(active.size());
  const bool in_changed = bool(w.changed[size_t(st.inputs[0])]);
  const int residual = st.inputs.size() > 1 ? st.inputs.back() : -1;
  const bool res_changed = residual >= 0 && bool(w.changed[size_t(residual)]);
  w.needed.assign(size_t(a * words), 0);
  w.window.resize(size_t(words));
  int64_t count = 0;
  for (int j = 0; j < a; ++j) {
    uint64_t* need = w.needed.data() + j * words;
    if (in_changed) {
      dilate(w.positions[size_t(st.inputs[0])].data() + j * in_words, in.h, in.w, c.kernel, c.stride, c.padding,
             out.h, out.w, w.window.data());
      for (int64_t i = 0; i < words; ++i) need[i] |= w.window[size_t(i)];
    }
    if (res_changed)
      for (int64_t i = 0; i < words; ++i) need[i] |= w.positions[size_t(residual)][size_t(j * words + i)];
    for (int64_t i = 0; i < words; ++i) count += __builtin_popcountll(need[i]);
  }
  // Skipping pays for copying the golden rows only when a good share of them stays golden.
  return count * 5 < int64_t(a) * out_pos * 4 ? w.needed.data() : nullptr;
}

FaultCounts CampaignEngine::Impl::simulate_chunk(const SuffixPlan& plan, const ChannelWeights& faulty, Worker& w) const {
  const Graph& g = graph;
  const GoldenChunk& gc = chunk;
  const auto& steps = exec->steps();
  const int k = classes();
  FaultCounts counts;
  w.changed.resize(g.values.size());
  w.differs.resize(g.values.size());
  w.positions.resize(g.values.size());
  w.has_positions.assign(g.values.size(), 0);
  w.golden_channels.resize(g.values.size());
  auto golden_channels = [&](int v) {
    return w.changed[size_t(v)] ? w.golden_channels[size_t(v)] : g.values[size_t(v)].c;
  };
  std::vector<int> active, keep, live;
  std::vector<const float*> ins, fill;
  std::vector<AlignedBuffer> temps;
  const bool profile = options.profile;
  int64_t dropped = 0;  // images found masked before the logits
  auto row_floats = [&](int v) { return size_t(step_index.row_floats[size_t(v)]); };
  auto golden_row = [&](int v, int image) { return gc.values[size_t(v)].data() + size_t(image) * row_floats(v); };

  // The largest resume point of step si inside its input's `golden` leading channels.
  auto resume_point = [&](int si, int golden) -> const int* {
    const std::vector<int>& at = resume.by_step[size_t(si)];
    const auto it = std::upper_bound(at.begin(), at.end(), golden);
    return it == at.begin() ? nullptr : &*(it - 1);
  };

  const int batch = step_index.sim_batch;
  for (int start = 0; start < gc.count; start += batch) {
    const int mb = std::min(batch, gc.count - start);
    active.resize(size_t(mb));
    std::iota(active.begin(), active.end(), start);  // chunk-local image indices
    live.clear();
    bool all_masked = false;
    for (int si : plan.desc) {
      const ExecStep& st = steps[size_t(si)];
      const int a = int(active.size());
      // The rows of the active images in a chunk-wide buffer ([count, floats] from base):
      // in place while they are consecutive, else gathered into a scratch buffer.
      auto active_rows = [&](const float* base, size_t floats) -> const float* {
        if (active.back() - active.front() + 1 == a) return base + size_t(active.front()) * floats;
        AlignedBuffer t = w.pool.acquire(size_t(a) * floats);
        for (int j = 0; j < a; ++j)
          std::memcpy(t.data() + size_t(j) * floats, base + size_t(active[size_t(j)]) * floats, floats * sizeof(float));
        temps.push_back(std::move(t));
        return temps.back().data();
      };
      ins.clear();
      for (int v : st.inputs)
        ins.push_back(w.changed[size_t(v)] ? w.changed[size_t(v)].data()
                                           : active_rows(gc.values[size_t(v)].data(), row_floats(v)));
      const int o = st.output;
      const size_t of = row_floats(o);
      const ValueShape& os = g.values[size_t(o)];
      const int64_t opos = int64_t(os.h) * os.w, owords = mask_words(opos);
      AlignedBuffer out = w.pool.acquire(size_t(a) * of);
      auto copy_golden_rows = [&] {
        for (int j = 0; j < a; ++j) std::memcpy(out.data() + size_t(j) * of, golden_row(o, active[size_t(j)]), of * sizeof(float));
      };
      // The faulty step computes only the faulty output channel, over its golden rows.
      // A later conv only the positions whose window holds a changed input (the others
      // are golden: copied, not computed).
      const int64_t t0 = profile ? now_ns() : 0;
      // Set again below if this run of the step gives its output a bitmap: one left from
      // the previous micro-batch must not describe this one's values.
      w.has_positions[size_t(o)] = 0;
      if (si == plan.step) {
        copy_golden_rows();
        exec->run_step_channel(faulty, ins, out.data(), a);
      } else if (const uint64_t* needed = needed_positions(st, active, w)) {
        fill.clear();
        for (int j = 0; j < a; ++j) fill.push_back(golden_row(o, active[size_t(j)]));
        exec->run_step(si, ins, out.data(), a, nullptr, needed, fill.data());
        w.positions[size_t(o)].assign(needed, needed + a * owords);
        w.has_positions[size_t(o)] = 1;
      } else if (const int* b = resume_point(si, golden_channels(st.inputs[0]))) {
        // The sums over the input's golden leading channels are the golden pass's.
        const size_t at = size_t(b - resume.by_step[size_t(si)].data());
        const float* partial = active_rows(gc.partials[size_t(si)][at].data(), of);
        const int in_c = g.values[size_t(st.inputs[0])].c;
        exec->run_step_segment(si, ins, {*b, in_c, partial, true}, out.data(), a, nullptr);
        if (profile) w.step_resumed[size_t(si)] += a;
      } else {
        exec->run_step(si, ins, out.data(), a, nullptr);
      }
      w.golden_channels[size_t(o)] = si == plan.step ? faulty.channel : golden_channels_after(g, st, golden_channels);
      if (profile) {
        w.step_ns[size_t(si)] += now_ns() - t0;
        w.step_images[size_t(si)] += a;
      }
      for (AlignedBuffer& t : temps) w.pool.release(std::move(t));
      temps.clear();
      std::vector<uint8_t>& d = w.differs[size_t(o)];
      d.resize(size_t(a));
      if (si == plan.step) {  // one channel plane changed: where, per image
        std::vector<uint64_t>& pos = w.positions[size_t(o)];
        pos.resize(size_t(a * owords));
        w.has_positions[size_t(o)] = 1;
        const size_t plane_at = size_t(faulty.channel) * size_t(opos);
        for (int j = 0; j < a; ++j)
          d[size_t(j)] = mark_changed(out.data() + size_t(j) * of + plane_at, golden_row(o, active[size_t(j)]) + plane_at,
                                      1, opos, pos.data() + j * owords);
      } else if (g.nodes[size_t(st.node)].kind == OpKind::Concat) {  // exact copies: differs where an input does
        for (int j = 0; j < a; ++j) {
          bool any = false;
          for (int v : st.inputs) any = any || (w.changed[size_t(v)] && w.differs[size_t(v)][size_t(j)]);
          d[size_t(j)] = any;
        }
      } else {  // the leading golden channels cannot differ
        const size_t from = size_t(w.golden_channels[size_t(o)]) * size_t(opos);
        for (int j = 0; j < a; ++j)
          d[size_t(j)] = std::memcmp(out.data() + size_t(j) * of + from, golden_row(o, active[size_t(j)]) + from,
                                     (of - from) * sizeof(float)) != 0;
      }
      w.changed[size_t(o)] = std::move(out);
      live.push_back(o);
      // Retire changed values no later step reads (the logits stay to be classified).
      std::erase_if(live, [&](int v) {
        if (v == g.output_value || plan.last_desc_use[size_t(v)] > si) return false;
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
          if (pos < keep.size() && keep[pos] == j) {
            ++pos;
            continue;
          }
          counts += golden_self[size_t(gc.first + active[size_t(j)])];
          ++dropped;
        }
        for (int v : live) {
          const size_t vf = row_floats(v);
          const int64_t vw = mask_words(int64_t(g.values[size_t(v)].h) * g.values[size_t(v)].w);
          float* base = w.changed[size_t(v)].data();
          std::vector<uint8_t>& dv = w.differs[size_t(v)];
          std::vector<uint64_t>& pv = w.positions[size_t(v)];
          const bool has_positions = w.has_positions[size_t(v)];
          for (size_t j = 0; j < keep.size(); ++j) {
            if (size_t(keep[j]) != j) {
              std::memmove(base + j * vf, base + size_t(keep[j]) * vf, vf * sizeof(float));
              if (has_positions) std::copy_n(pv.begin() + keep[j] * vw, vw, pv.begin() + int64_t(j) * vw);
            }
            dv[j] = dv[size_t(keep[j])];
          }
          dv.resize(keep.size());
          if (has_positions) pv.resize(keep.size() * size_t(vw));
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
      const AlignedBuffer& logits = w.changed[size_t(g.output_value)];
      for (size_t j = 0; j < active.size(); ++j) {
        const int64_t img = gc.first + active[j];
        if (logits)
          classify_image(golden_logits.data() + img * k, golden_top1[size_t(img)], logits.data() + j * size_t(k), k,
                         images.labels[size_t(img)], counts);
        else
          counts += golden_self[size_t(img)];
      }
    }
    for (int v : live) w.pool.release(std::move(w.changed[size_t(v)]));
  }
  if (profile) w.node_dropped[size_t(steps[size_t(plan.step)].node)] += dropped;
  return counts;
}

ChannelWeights CampaignEngine::Impl::faulty_channel(const ResolvedFault& f) const {
  const int step = step_index.step_of_node[size_t(f.node)];
  const Node& node = graph.nodes[size_t(f.node)];
  if (exec->steps()[size_t(step)].node != f.node || (node.kind != OpKind::Conv2d && node.kind != OpKind::Linear))
    throw_internal(__FILE__, __LINE__, "a fault site is not the weight of a conv or linear step");
  // A conv weight [out_c, in_c/groups, k, k] feeds output channel offset / (in_c/groups*k*k)
  // only, a linear weight [out, in] output feature offset / in: that channel's slice, with
  // the fault applied, is all this fault needs of its own.
  const Param& param = graph.params[size_t(f.param)];
  const int64_t per_channel = param.value.size() / graph.values[size_t(node.output)].c;
  const int channel = int(f.offset / per_channel);
  std::vector<float> slice(param.value.data.begin() + channel * per_channel,
                           param.value.data.begin() + (channel + 1) * per_channel);
  float& weight = slice[size_t(f.offset - channel * per_channel)];
  weight = apply_fault(weight, f.bit, f.model);
  return exec->channel_weights(step, channel, slice.data());
}

FaultCounts CampaignEngine::Impl::simulate_fault(const ResolvedFault& f, const ChannelWeights& faulty, Worker& w) const {
  const int64_t t0 = options.profile ? now_ns() : 0;
  const FaultCounts c = simulate_chunk(plans.at(faulty.step), faulty, w);
  if (options.profile) {
    w.node_ns[size_t(f.node)] += now_ns() - t0;
    w.node_images[size_t(f.node)] += chunk.count;
  }
  return c;
}

bool CampaignEngine::Impl::run_fast(const std::vector<ResolvedFault>& faults, const std::vector<size_t>& which,
                                    std::vector<FaultCounts>& out, const std::atomic<bool>* stop,
                                    const std::function<void(int64_t)>& progress) {
  ensure_workers();
  // Costly faults (early steps: long suffixes) first, so that the threads finish together.
  std::vector<size_t> order(which);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return faults[a].node < faults[b].node; });
  // What each fault needs of its own, prepared once for all chunks.
  std::vector<ChannelWeights> faulty;
  for (size_t i : order) {
    const int step = step_index.step_of_node[size_t(faults[i].node)];
    if (!plans.count(step)) plans.emplace(step, make_suffix_plan(*exec, graph.values.size(), step));
    faulty.push_back(faulty_channel(faults[i]));
    if (options.profile) ++node_faults[size_t(faults[i].node)];
  }
  if (order.empty()) return true;
  update_resume_points();
  const int per_chunk = chunk_images();
  const int64_t n = images.size(), chunks = (n + per_chunk - 1) / per_chunk;
  reverse_chunks = !reverse_chunks;
  for (int64_t c = 0; c < chunks; ++c) {
    if (stop && stop->load()) return false;
    const int64_t first = (reverse_chunks ? chunks - 1 - c : c) * per_chunk;
    const int count = int(std::min<int64_t>(per_chunk, n - first));
    const int64_t t0 = options.profile ? now_ns() : 0;
    compute_golden_chunk(first, count);
    if (options.profile) golden_ns += (now_ns() - t0) * exec->pool().size();  // all threads work on it
    std::atomic<size_t> next{0};
    exec->pool().parallel_for(int64_t(workers.size()), [&](int64_t b, int64_t e, int) {
      for (int64_t wi = b; wi < e; ++wi)
        for (size_t t = next++; t < order.size(); t = next++)
          out[order[t]] += simulate_fault(faults[order[t]], faulty[t], *workers[size_t(wi)]);
    });
    if (progress) progress(int64_t(order.size()) * count);
  }
  return true;
}

}  // namespace faultbench
