// The executor's schedule as the fast mode sees it (built once per engine): which step
// runs each node, which values are stored, which steps a fault's step reaches, and where
// a conv can continue from the golden pass's partial sums.
#pragma once
#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "faultbench/graph.h"
#include "faultbench/graph/executor_campaign.h"
#include "ids.h"

namespace faultbench::campaign_detail {

// Where the executor's plain ints enter the typed world.
inline const ExecStep& step_at(ExecutorSteps exec, StepId s) { return exec.steps()[s.index()]; }
inline ValueId output_of(const ExecStep& st) { return ValueId(st.output); }
inline ValueId input_of(const ExecStep& st, size_t i) { return ValueId(st.inputs[i]); }
inline const ValueShape& shape_of(const Graph& g, ValueId v) { return g.values[v.index()]; }

struct StepIndex {
  std::vector<StepId> step_of_node;        // node -> step that runs it (fused members included)
  IdVector<ValueId, int64_t> row_floats;   // floats per image
  IdVector<ValueId, char> stored;          // written by a step or the input (not a fused intermediate)
  int64_t stored_floats = 0;               // floats per image of all stored values
  IdVector<ValueId, char> feeds_skipping;  // read by a step that can skip positions (step_skips_positions)
  int sim_batch = 8;                       // images per suffix recomputation (sim_batch_for)
};
StepIndex make_step_index(const Graph& graph, ExecutorSteps exec);

// What the fast mode needs to know to simulate the faults of one set of faulty steps (the
// steps whose weights a fault changes: one for a single site, several for a multi-site
// fault over layers).
struct SuffixPlan {
  std::vector<StepId> faulty;               // increasing, not empty
  std::vector<StepId> desc;                 // the faulty steps and every step depending on one, forward order
  IdVector<ValueId, StepId> last_desc_use;  // last step of `desc` reading the value, none (-1) if none

  StepId first() const { return faulty.front(); }
  // Until this step has run, an image whose values are golden again is not masked: a
  // faulty step is still ahead of it.
  StepId last_faulty() const { return faulty.back(); }
  bool is_faulty(StepId s) const { return std::binary_search(faulty.begin(), faulty.end(), s); }
};
SuffixPlan make_suffix_plan(ExecutorSteps exec, size_t values, std::vector<StepId> faulty);
// The plans made so far, by their faulty steps.
using SuffixPlans = std::map<std::vector<StepId>, SuffixPlan>;

// Where the fast mode continues a conv from golden partial sums: a fault leaves the
// leading channels of some values golden (DenseNet: everything concatenated before the
// faulty layer), so a 1x1 conv reading such a value needs only the sums over the channels
// after them. by_step[step]: the increasing input-channel boundaries (0 < b < in_c) at
// which the golden pass saves step's partial sums, from the faults run so far.
struct ResumePoints {
  IdVector<StepId, std::vector<int>> by_step;
  int64_t floats_per_image = 0;  // of the saved sums
  int version = 0;               // bumped when by_step changes

  // The largest resume point of step s inside its input's `golden` leading channels.
  const int* at_most(StepId s, int golden) const {
    const std::vector<int>& at = by_step[s];
    const auto it = std::upper_bound(at.begin(), at.end(), golden);
    return it == at.begin() ? nullptr : &*(it - 1);
  }
};
// Adds the resume points the plans' faulty steps can use.
void add_resume_points(const Graph& graph, ExecutorSteps exec, const StepIndex& index, const SuffixPlans& plans,
                       ResumePoints& resume);

// golden_channels_after for the operators of imported graphs: pointwise ops and spatial
// moves keep the input's, a Binary the fewest of its operands' (an operand of one channel
// broadcasts: all or none), Pad shifts them by its leading channels, Slice keeps those it
// reads from golden ones; Softmax, Reshape and a Transpose that moves channels: none.
template <class GoldenOf>
int golden_channels_after_onnx(const Graph& g, const ExecStep& st, GoldenOf golden) {
  const Node& n = g.nodes[size_t(st.node)];
  const ValueShape& out = shape_of(g, output_of(st));
  switch (n.kind) {
    case OpKind::Unary:
    case OpKind::Resize: return golden(input_of(st, 0));
    case OpKind::Transpose: return std::get<TransposeAttrs>(n.attrs).perm[0] == 0 ? golden(input_of(st, 0)) : 0;
    case OpKind::Binary: {
      int first = out.c;  // a constant operand never changes
      for (size_t k = 0; k < st.inputs.size(); ++k) {
        const ValueId v = input_of(st, k);
        const int gv = golden(v);
        first = std::min(first, shape_of(g, v).c == 1 && out.c > 1 ? (gv >= 1 ? out.c : 0) : gv);
      }
      return first;
    }
    case OpKind::Pad: {
      const ValueId v = input_of(st, 0);
      const int gv = golden(v);
      return gv >= shape_of(g, v).c ? out.c : std::get<PadAttrs>(n.attrs).c0 + gv;
    }
    case OpKind::Slice: {
      const ValueId v = input_of(st, 0);
      const int gv = golden(v);
      const SliceAxis& c = std::get<SliceAttrs>(n.attrs).c;
      if (gv >= shape_of(g, v).c) return out.c;
      return gv <= c.start ? 0 : std::min(out.c, (gv - c.start + c.step - 1) / c.step);
    }
    default: return 0;
  }
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
    case OpKind::Round: return golden(input_of(st, 0));
    case OpKind::GlobalMaxPool: return golden(input_of(st, 0));
    case OpKind::Add: return std::min(golden(input_of(st, 0)), golden(input_of(st, 1)));
    case OpKind::Quantized:  // int8: the add and the pools are per channel; a conv (or any other) mixes them
      switch (std::get<QuantizedAttrs>(g.nodes[size_t(st.node)].attrs).op) {
        case QuantOp::Add: return std::min(golden(input_of(st, 0)), golden(input_of(st, 1)));
        case QuantOp::Quantize:
        case QuantOp::AvgPool: return golden(input_of(st, 0));
        default: return 0;
      }
    case OpKind::Concat: {
      int offset = 0, first = shape_of(g, output_of(st)).c;
      for (int raw : st.inputs) {
        const ValueId v(raw);
        first = std::min(first, offset + golden(v));
        offset += shape_of(g, v).c;
      }
      return first;
    }
    default: return golden_channels_after_onnx(g, st, golden);
  }
}

}  // namespace faultbench::campaign_detail
