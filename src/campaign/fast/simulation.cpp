// Fast mode, one fault on one golden chunk: only the steps downstream of the faulty ones
// are recomputed, on micro-batches of the chunk's images, with the same fused kernels as
// a full forward (so the same bits). A conv weight (co, ci, kh, kw) changes output
// channel co only, so a faulty step computes just its faulty channels (with the fault's
// weights) over a copy of its golden output; a faulty step that also receives changed
// inputs (a multi-site fault over layers) is first run as any other step, then its faulty
// channels are recomputed over the same inputs. Once the last faulty step has run, an
// image is dropped as soon as all of its still-needed changed values are bitwise golden
// again (it is then masked: everything downstream is a pure function of those values).
#include "simulation.h"

#include <algorithm>
#include <cstring>

#include "../position_masks.h"
#include "moved_positions.h"

namespace faultbench::campaign_detail {

namespace {

// How a step of the suffix is computed and how its differences are found: decided in one
// place, ChunkSimulation::choose, the cheapest exact way.
struct StepChoice {
  enum class Run {
    Golden,           // a faulty step on golden inputs: its golden rows (faulty channels below)
    NeededPositions,  // a conv: the positions whose window holds a changed input, the rest golden
    Resumed,          // a conv: from the golden partial sums over its input's golden leading channels
    Whole,
  } run = Run::Whole;
  enum class Mark {
    FaultyPlanes,  // only the faulty channels can differ: compare their planes, with a bitmap
    Concat,        // an exact copy: differs where an input does
    Comparison,    // compare the channels after the golden leading ones
    Positions,     // the same, position by position: an exact bitmap (int8 maps)
  } mark = Mark::Comparison;
  const uint64_t* needed = nullptr;  // Run::NeededPositions
  const int* resume_at = nullptr;    // Run::Resumed
};

template <class Profiler>
class ChunkSimulation {
 public:
  ChunkSimulation(const SimContext& ctx, const FaultRun& fault, Worker& w)
      : c_(ctx), g_(ctx.graph), plan_(*fault.plan), fault_(fault), w_(w), prof_(w.profile) {}

  FaultCounts run() {
    w_.values.resize(g_.values.size());
    for (ChangedValue& v : w_.values) v.has_positions = false;
    const int batch = c_.index.sim_batch;
    for (int start = 0; start < c_.chunk.count; start += batch) {
      w_.active.reset(ChunkImage(start), std::min(batch, c_.chunk.count - start));
      w_.live.clear();
      if (run_suffix()) classify_survivors();
      for (ValueId v : w_.live) w_.pool.release(std::move(w_.values[v].rows));
    }
    prof_.dropped(step_at(c_.exec, plan_.first()).node, dropped_);
    return counts_;
  }

 private:
  // The plan's steps on the active images; false when every image got masked.
  bool run_suffix() {
    for (StepId s : plan_.desc) {
      const ExecStep& st = step_at(c_.exec, s);
      const FaultyStep* faulty = faulty_step(s);
      gather_inputs(st);
      const StepChoice how = choose(s, st, faulty);
      AlignedBuffer out = run_step(s, st, how, faulty);
      mark_differences(st, how, faulty, out);
      w_.values[output_of(st)].rows = std::move(out);
      w_.live.push_back(output_of(st));
      retire_values(s);
      // Before the last faulty step, an image golden again still meets a fault ahead.
      if (s >= plan_.last_faulty() && !retire_masked_images()) return false;
    }
    return true;
  }

  // The fault's own weights at step s, null when s is not faulty.
  const FaultyStep* faulty_step(StepId s) const {
    for (const FaultyStep& f : fault_.steps)
      if (f.step == s) return &f;
    return nullptr;
  }

  bool reads_changed(const ExecStep& st) const {
    for (int raw : st.inputs)
      if (w_.values[ValueId(raw)].changed()) return true;
    return false;
  }

  // The one place that decides how step s runs and how its differences are found. A step
  // of the suffix reads a changed value unless it is a faulty step reached by nothing
  // changed (the first, or one on a branch of its own).
  StepChoice choose(StepId s, const ExecStep& st, const FaultyStep* faulty) {
    StepChoice c;
    if (faulty && !reads_changed(st)) {
      c.run = StepChoice::Run::Golden;
      c.mark = StepChoice::Mark::FaultyPlanes;
      return c;
    }
    // An int8 value's differences are sparse (requantization rounds most small changes
    // away) and comparing costs little next to an integer conv: a map that a conv reads
    // gets its exact bitmap, so that the conv computes only the positions that can differ.
    const bool int8_map =
        g_.numerics == Numerics::Int8 && positions_of(output_of(st)) > 1 && c_.index.feeds_skipping[output_of(st)];
    c.mark = g_.nodes[size_t(st.node)].kind == OpKind::Concat ? StepChoice::Mark::Concat
             : int8_map                                       ? StepChoice::Mark::Positions
                                                              : StepChoice::Mark::Comparison;
    if ((c.needed = needed_positions(c_, s, w_)))
      c.run = StepChoice::Run::NeededPositions;
    else if ((c.resume_at = c_.resume.at_most(s, golden_channels(input_of(st, 0)))))
      c.run = StepChoice::Run::Resumed;
    return c;
  }

  // The step's input rows of the active images: a changed value's own, a golden one's.
  void gather_inputs(const ExecStep& st) {
    w_.ins.clear();
    for (int raw : st.inputs) {
      const ValueId v(raw);
      const ChangedValue& cv = w_.values[v];
      w_.ins.push_back(cv.changed() ? cv.rows.data() : active_rows(c_.chunk.values[v].data(), row_floats(v)));
    }
  }

  // The rows of the active images in a chunk-wide buffer ([count, floats] from base): in
  // place while they are consecutive, else gathered into a scratch buffer.
  const float* active_rows(const float* base, size_t floats) {
    const ActiveImages& act = w_.active;
    if (act.consecutive()) return base + act.front().index() * floats;
    AlignedBuffer t = w_.pool.acquire(size_t(act.size()) * floats);
    for (Lane j : act.lanes())
      std::memcpy(t.data() + j.index() * floats, base + act[j].index() * floats, floats * sizeof(float));
    w_.temps.push_back(std::move(t));
    return w_.temps.back().data();
  }

  // The step's output rows as `how` says; then a faulty step's faulty channels, whole,
  // with the fault's weights over the same inputs.
  AlignedBuffer run_step(StepId s, const ExecStep& st, const StepChoice& how, const FaultyStep* faulty) {
    const ValueId o = output_of(st);
    const int a = w_.active.size();
    AlignedBuffer out = w_.pool.acquire(size_t(a) * row_floats(o));
    const int64_t t0 = prof_.start();
    ChangedValue& rec = w_.values[o];
    // Set again below if this run gives the output a bitmap: one left from the previous
    // micro-batch must not describe this one's values.
    rec.has_positions = false;
    switch (how.run) {
      case StepChoice::Run::Golden: copy_golden_rows(o, out.data()); break;
      case StepChoice::Run::NeededPositions: run_needed_positions(s, o, how.needed, out.data()); break;
      case StepChoice::Run::Resumed: run_resumed(s, st, how.resume_at, out.data()); break;
      case StepChoice::Run::Whole:
        c_.exec.run_step(s.value(), w_.ins, out.data(), a, nullptr);
        if (moves_positions(g_.nodes[size_t(st.node)].kind)) pass_positions_on(st, o);
        break;
    }
    const auto golden_of = [&](ValueId v) { return golden_channels(v); };
    rec.golden_channels =
        how.run == StepChoice::Run::Golden ? shape_of(g_, o).c : golden_channels_after(g_, st, golden_of);
    if (faulty) {
      for (const ChannelWeights& cw : faulty->channels) c_.exec.run_step_channel(cw, w_.ins, out.data(), a);
      rec.golden_channels = std::min(rec.golden_channels, faulty->channels.front().channel);
    }
    prof_.step(s, t0, a);
    for (AlignedBuffer& t : w_.temps) w_.pool.release(std::move(t));
    w_.temps.clear();
    return out;
  }

  void run_needed_positions(StepId s, ValueId o, const uint64_t* needed, float* out) {
    const int a = w_.active.size();
    w_.fill.clear();
    for (Lane j : w_.active.lanes()) w_.fill.push_back(golden_row(o, j));
    c_.exec.run_step(s.value(), w_.ins, out, a, nullptr, needed, w_.fill.data());
    ChangedValue& rec = w_.values[o];
    rec.positions.assign(needed, needed + a * mask_words(positions_of(o)));
    rec.has_positions = true;
  }

  // An operator of imported graphs gives its output the bitmap its inputs' map to
  // (moved_positions.h): a changed input without one counts as changed everywhere, an input
  // bitwise golden in a lane as changed nowhere.
  void pass_positions_on(const ExecStep& st, ValueId o) {
    const Node& n = g_.nodes[size_t(st.node)];
    ChangedValue& rec = w_.values[o];
    const int64_t words = mask_words(positions_of(o));
    rec.positions.assign(size_t(w_.active.size() * words), 0);
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      const ValueId v(n.inputs[k]);
      const ChangedValue& in = w_.values[v];
      if (!in.changed()) continue;
      const int64_t in_words = mask_words(positions_of(v));
      for (Lane j : w_.active.lanes())
        if (in.differs[j.index()])
          or_input_positions(g_, n, k, in.has_positions ? in.positions.data() + j.value() * in_words : nullptr,
                             rec.positions.data() + j.value() * words);
    }
    rec.has_positions = true;
  }

  // The sums over the input's golden leading channels [0, *b) are the golden pass's.
  void run_resumed(StepId s, const ExecStep& st, const int* b, float* out) {
    const int a = w_.active.size();
    const size_t at = size_t(b - c_.resume.by_step[s].data());
    const float* partial = active_rows(c_.chunk.partials[s][at].data(), row_floats(output_of(st)));
    const int in_c = shape_of(g_, input_of(st, 0)).c;
    c_.exec.run_step_segment(s.value(), w_.ins, {*b, in_c, partial, true}, out, a, nullptr);
    prof_.resumed(s, a);
  }

  // Per lane, whether the step's output differs from golden, as `how` says.
  void mark_differences(const ExecStep& st, const StepChoice& how, const FaultyStep* faulty, const AlignedBuffer& out) {
    const ValueId o = output_of(st);
    ChangedValue& rec = w_.values[o];
    rec.differs.resize(size_t(w_.active.size()));
    switch (how.mark) {
      case StepChoice::Mark::FaultyPlanes: {
        const int64_t words = mask_words(positions_of(o));
        rec.positions.assign(size_t(w_.active.size() * words), 0);
        rec.has_positions = true;
        or_faulty_planes(o, out.data(), *faulty, rec);
        for (Lane j : w_.active.lanes())
          rec.differs[j.index()] = any_position(rec.positions.data() + j.value() * words, positions_of(o));
        break;
      }
      case StepChoice::Mark::Concat: mark_concat(st, rec); break;
      case StepChoice::Mark::Positions: mark_positions(o, out.data(), rec); break;
      case StepChoice::Mark::Comparison:
        mark_by_comparison(o, out.data(), rec);
        // The run's bitmap (needed positions) covers the channels of golden weights; a
        // faulty channel may differ at other positions too.
        if (faulty && rec.has_positions) or_faulty_planes(o, out.data(), *faulty, rec);
        break;
    }
  }

  // ORs into each lane's bitmap the positions where a faulty channel's plane differs from
  // golden.
  void or_faulty_planes(ValueId o, const float* out, const FaultyStep& faulty, ChangedValue& rec) {
    const int64_t opos = positions_of(o), owords = mask_words(opos);
    for (Lane j : w_.active.lanes())
      for (const ChannelWeights& cw : faulty.channels) {
        const size_t plane_at = size_t(cw.channel) * size_t(opos);
        or_changed(out + j.index() * row_floats(o) + plane_at, golden_row(o, j) + plane_at, 1, opos,
                   rec.positions.data() + j.value() * owords);
      }
  }

  // A concatenation copies exactly: it differs where an input does.
  void mark_concat(const ExecStep& st, ChangedValue& rec) {
    for (Lane j : w_.active.lanes()) {
      bool any = false;
      for (int raw : st.inputs) {
        const ChangedValue& in = w_.values[ValueId(raw)];
        any = any || (in.changed() && in.differs[j.index()]);
      }
      rec.differs[j.index()] = any;
    }
  }

  // The leading golden channels cannot differ: compare the others.
  void mark_by_comparison(ValueId o, const float* out, ChangedValue& rec) {
    const size_t of = row_floats(o), from = size_t(rec.golden_channels) * size_t(positions_of(o));
    for (Lane j : w_.active.lanes())
      rec.differs[j.index()] =
          std::memcmp(out + j.index() * of + from, golden_row(o, j) + from, (of - from) * sizeof(float)) != 0;
  }

  // As mark_by_comparison, with the bitmap of the positions where a channel after the
  // golden leading ones differs (a superset from the run, if any, is replaced).
  void mark_positions(ValueId o, const float* out, ChangedValue& rec) {
    const int64_t opos = positions_of(o), words = mask_words(opos);
    const size_t of = row_floats(o), from = size_t(rec.golden_channels) * size_t(opos);
    const int channels = shape_of(g_, o).c - rec.golden_channels;
    rec.positions.resize(size_t(w_.active.size() * words));
    for (Lane j : w_.active.lanes())
      rec.differs[j.index()] = mark_changed(out + j.index() * of + from, golden_row(o, j) + from, channels, opos,
                                            rec.positions.data() + j.value() * words);
    rec.has_positions = true;
  }

  // Releases the changed values no later step reads (the logits stay to be classified).
  void retire_values(StepId s) {
    std::erase_if(w_.live, [&](ValueId v) {
      if (v == ValueId(g_.output_value) || plan_.last_desc_use[v] > s) return false;
      w_.pool.release(std::move(w_.values[v].rows));
      return true;
    });
  }

  // Drops the images whose live changed values are all golden again: they are masked
  // (classified as golden). False when none is left.
  bool retire_masked_images() {
    w_.keep.clear();
    for (Lane j : w_.active.lanes()) {
      bool differs = false;
      for (ValueId v : w_.live) differs = differs || w_.values[v].differs[j.index()];
      if (differs) w_.keep.push_back(j);
    }
    if (int(w_.keep.size()) == w_.active.size()) return true;
    size_t next = 0;
    for (Lane j : w_.active.lanes()) {
      if (next < w_.keep.size() && w_.keep[next] == j) {
        ++next;
        continue;
      }
      counts_ += c_.golden.self(c_.chunk.image(w_.active[j]));
      ++dropped_;
    }
    compact();
    return !w_.active.empty();
  }

  // Moves the kept lanes of every live value (rows, differences, bitmaps) to the front.
  void compact() {
    const std::vector<Lane>& keep = w_.keep;
    for (ValueId v : w_.live) {
      ChangedValue& cv = w_.values[v];
      const size_t vf = row_floats(v);
      const int64_t vw = mask_words(positions_of(v));
      float* base = cv.rows.data();
      for (size_t j = 0; j < keep.size(); ++j) {
        const size_t from = keep[j].index();
        if (from != j) {
          std::memmove(base + j * vf, base + from * vf, vf * sizeof(float));
          if (cv.has_positions)
            std::copy_n(cv.positions.begin() + int64_t(from) * vw, vw, cv.positions.begin() + int64_t(j) * vw);
        }
        cv.differs[j] = cv.differs[from];
      }
      cv.differs.resize(keep.size());
      if (cv.has_positions) cv.positions.resize(keep.size() * size_t(vw));
    }
    w_.active.keep(keep);
  }

  // The images that reached the logits: classified against golden.
  void classify_survivors() {
    const AlignedBuffer& logits = w_.values[ValueId(g_.output_value)].rows;
    const int k = g_.classes;
    for (Lane j : w_.active.lanes()) {
      const ImageIndex img = c_.chunk.image(w_.active[j]);
      if (logits)
        classify_image(c_.golden.logits(img), c_.golden.top1(img), logits.data() + j.index() * size_t(k), k,
                       c_.golden.label(img), counts_);
      else
        counts_ += c_.golden.self(img);
    }
  }

  size_t row_floats(ValueId v) const { return size_t(c_.index.row_floats[v]); }
  int64_t positions_of(ValueId v) const { return int64_t(shape_of(g_, v).h) * shape_of(g_, v).w; }
  const float* golden_row(ValueId v, Lane j) const {
    return c_.chunk.values[v].data() + w_.active[j].index() * row_floats(v);
  }
  void copy_golden_rows(ValueId o, float* out) const {
    const size_t of = row_floats(o);
    for (Lane j : w_.active.lanes()) std::memcpy(out + j.index() * of, golden_row(o, j), of * sizeof(float));
  }
  int golden_channels(ValueId v) const {
    return w_.values[v].changed() ? w_.values[v].golden_channels : shape_of(g_, v).c;
  }

  const SimContext& c_;
  const Graph& g_;
  const SuffixPlan& plan_;
  const FaultRun& fault_;
  Worker& w_;
  Profiler prof_;
  FaultCounts counts_;
  int64_t dropped_ = 0;  // images found masked before the logits
};

}  // namespace

FaultCounts simulate_chunk(const SimContext& ctx, const FaultRun& run, Worker& w) {
  if (ctx.profile) return ChunkSimulation<ProfileOn>(ctx, run, w).run();
  return ChunkSimulation<ProfileOff>(ctx, run, w).run();
}

}  // namespace faultbench::campaign_detail
