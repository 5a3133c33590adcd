// Which output positions of a conv step the fast mode must compute (simulation.h). Only
// the faulty step's output gets its bitmap by comparison (one channel plane, where the
// faulty channel differs: about 18 % of the positions in ResNet20, a weight only meets the
// non-zero values of its input channel); a step run with such a bitmap passes it on as
// its own output's (a superset of what changed: the other positions were copied from
// golden). Comparing every channel of every step would cost more than it saves (measured)
// in fp32; int8 maps read by a conv are compared after every step instead (simulation.cpp,
// Mark::Positions): requantization keeps their differences sparse, and comparing is cheap
// next to an integer conv.
#include <variant>

#include "../position_masks.h"
#include "simulation.h"

namespace faultbench::campaign_detail {

const uint64_t* needed_positions(const SimContext& ctx, StepId s, Worker& w) {
  if (!ctx.exec.step_skips_positions(s.value())) return nullptr;
  const ExecStep& st = step_at(ctx.exec, s);
  for (int raw : st.inputs) {
    const ChangedValue& in = w.values[ValueId(raw)];
    if (in.changed() && !in.has_positions) return nullptr;
  }
  const Graph& g = ctx.graph;
  const Node& node = g.nodes[size_t(st.node)];
  const Conv2dAttrs& c =
      node.kind == OpKind::Quantized ? std::get<QuantizedAttrs>(node.attrs).conv : std::get<Conv2dAttrs>(node.attrs);
  const ValueShape& in = shape_of(g, input_of(st, 0));
  const ValueShape& out = shape_of(g, output_of(st));
  const int64_t in_words = mask_words(int64_t(in.h) * in.w), out_pos = int64_t(out.h) * out.w;
  const int64_t words = mask_words(out_pos);
  const int a = w.active.size();
  const ChangedValue& input = w.values[input_of(st, 0)];
  const ChangedValue* residual = st.inputs.size() > 1 ? &w.values[ValueId(st.inputs.back())] : nullptr;
  const bool res_changed = residual && residual->changed();
  w.needed.assign(size_t(a * words), 0);
  w.window.resize(size_t(words));
  int64_t count = 0;
  for (int j = 0; j < a; ++j) {
    uint64_t* need = w.needed.data() + j * words;
    if (input.changed()) {
      dilate(input.positions.data() + j * in_words, in.h, in.w, c.window, out.h, out.w, w.window.data());
      for (int64_t i = 0; i < words; ++i) need[i] |= w.window[size_t(i)];
    }
    if (res_changed)
      for (int64_t i = 0; i < words; ++i) need[i] |= residual->positions[size_t(j * words + i)];
    for (int64_t i = 0; i < words; ++i) count += __builtin_popcountll(need[i]);
  }
  // Skipping pays for copying the golden rows only when a good share of them stays golden.
  return count * 5 < int64_t(a) * out_pos * 4 ? w.needed.data() : nullptr;
}

}  // namespace faultbench::campaign_detail
