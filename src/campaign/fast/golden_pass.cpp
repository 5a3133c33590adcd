// The fast mode's golden pass over one chunk of images: every stored value, and the
// partial sums at the resume points, kept for the suffix recomputations.
#include <cstring>

#include "fast_mode.h"
#include "faultbench/error.h"

namespace faultbench::campaign_detail {

void FastMode::compute_golden_chunk(int64_t first, int count) {
  GoldenChunk& gc = chunk_;
  if (gc.count == count && gc.first == first && gc.resume_version == resume_.version) return;  // still valid
  gc.count = 0;
  auto ensure = [&](AlignedBuffer& buf, size_t need) {
    if (!buf || buf.size() < need) {
      golden_pool_.release(std::move(buf));
      buf = golden_pool_.acquire(need);
    }
  };
  gc.values.resize(graph_.values.size());
  for (ValueId v : ids<ValueId>(graph_.values.size()))
    if (index_.stored[v]) ensure(gc.values[v], size_t(count) * size_t(index_.row_floats[v]));
  const size_t steps = steps_.steps().size();
  gc.partials.resize(steps);
  for (StepId s : ids<StepId>(steps)) {
    gc.partials[s].resize(resume_.by_step[s].size());
    const size_t floats = size_t(count) * size_t(index_.row_floats[output_of(step_at(steps_, s))]);
    for (AlignedBuffer& buf : gc.partials[s]) ensure(buf, floats);
  }
  golden_pool_.clear();  // buffers too small for this chunk size
  images_.normalize(first, count, gc.values[ValueId(graph_.input_value)].data());
  run_golden_pass(count);
  // Images seen before (an earlier run, or the brute-force golden pass): the safety net
  // for the determinism contract the whole mode rests on. The others are recorded.
  const int k = graph_.classes;
  const float* logits = gc.values[ValueId(graph_.output_value)].data();
  golden_.init();
  for (int i = 0; i < count; ++i)
    if (golden_.known(ImageIndex(first + i)) &&
        std::memcmp(logits + i * k, golden_.logits(ImageIndex(first + i)), size_t(k) * sizeof(float)) != 0)
      throw_internal(__FILE__, __LINE__,
                     "golden logits of a chunk differ from an earlier pass over the same "
                     "image: the executor is not deterministic per image");
  golden_.record(first, count, logits);
  gc.first = first;
  gc.count = count;
  gc.resume_version = resume_.version;
}

void FastMode::run_golden_pass(int count) {
  GoldenChunk& gc = chunk_;  // written: each thread its own images' rows
  const size_t steps = steps_.steps().size();
  // Image-parallel, each thread runs the whole schedule on micro-batches of its share, so
  // that one step's activations are still in cache for the next.
  // Micro-batches as the suffix recomputation's (4 images at least, as the executor's forward).
  const int golden_batch = std::max(4, index_.sim_batch / 2);
  exec_.pool().parallel_for(count, [&](int64_t b, int64_t e, int) {
    std::vector<const float*> ins;
    for (int64_t start = b; start < e; start += golden_batch) {
      const int mb = int(std::min<int64_t>(golden_batch, e - start));
      auto row = [&](ValueId v) { return gc.values[v].data() + start * index_.row_floats[v]; };
      for (StepId s : ids<StepId>(steps)) {
        const ExecStep& st = step_at(steps_, s);
        ins.clear();
        for (int v : st.inputs) ins.push_back(row(ValueId(v)));
        const std::vector<int>& at = resume_.by_step[s];
        if (at.empty()) {
          steps_.run_step(s.value(), ins, row(output_of(st)), mb, nullptr);
          continue;
        }
        // The same sums in slices, saving each boundary's (the same bits: one fma chain).
        const size_t of = size_t(index_.row_floats[output_of(st)]);
        const float* partial = nullptr;
        int begin = 0;
        for (size_t i = 0; i < at.size(); ++i) {
          float* saved = gc.partials[s][i].data() + size_t(start) * of;
          steps_.run_step_segment(s.value(), ins, {begin, at[i], partial, false}, saved, mb, nullptr);
          partial = saved;
          begin = at[i];
        }
        const int in_c = shape_of(graph_, input_of(st, 0)).c;
        steps_.run_step_segment(s.value(), ins, {begin, in_c, partial, true}, row(output_of(st)), mb, nullptr);
      }
    }
  });
}

}  // namespace faultbench::campaign_detail
