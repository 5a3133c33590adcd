#include "schedule.h"

namespace faultbench::campaign_detail {

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
}  // namespace

StepIndex make_step_index(const Graph& g, ExecutorSteps exec) {
  StepIndex x;
  const auto& steps = exec.steps();
  x.step_of_node.assign(g.nodes.size(), StepId());
  x.row_floats.resize(g.values.size());
  x.stored.assign(g.values.size(), 0);
  for (ValueId v : ids<ValueId>(g.values.size())) x.row_floats[v] = shape_of(g, v).numel();
  x.stored[ValueId(g.input_value)] = 1;
  x.feeds_skipping.assign(g.values.size(), 0);
  for (StepId s : ids<StepId>(steps.size())) {
    for (int m : step_at(exec, s).members) x.step_of_node[size_t(m)] = s;
    x.stored[output_of(step_at(exec, s))] = 1;
    if (exec.step_skips_positions(s.value()))
      for (int v : step_at(exec, s).inputs) x.feeds_skipping[ValueId(v)] = 1;
  }
  for (ValueId v : ids<ValueId>(g.values.size()))
    if (x.stored[v]) x.stored_floats += x.row_floats[v];
  x.sim_batch = sim_batch_for(g);
  return x;
}

SuffixPlan make_suffix_plan(ExecutorSteps exec, size_t values, std::vector<StepId> faulty) {
  const auto& steps = exec.steps();
  SuffixPlan p;
  std::sort(faulty.begin(), faulty.end());
  faulty.erase(std::unique(faulty.begin(), faulty.end()), faulty.end());
  p.faulty = std::move(faulty);
  IdVector<ValueId, char> changed;
  changed.assign(values, 0);
  p.last_desc_use.assign(values, StepId());
  for (StepId s = p.first(); s.index() < steps.size(); ++s) {
    const ExecStep& st = step_at(exec, s);
    bool dep = p.is_faulty(s);
    for (int v : st.inputs) dep = dep || changed[ValueId(v)];
    if (!dep) continue;
    p.desc.push_back(s);
    changed[output_of(st)] = 1;
    for (int v : st.inputs) p.last_desc_use[ValueId(v)] = s;
  }
  return p;
}

void add_resume_points(const Graph& graph, ExecutorSteps exec, const StepIndex& index, const SuffixPlans& plans,
                       ResumePoints& resume) {
  // Per plan, what its faults leave golden, channel-wise, with every faulty step's first
  // faulty channel taken as 0 (a fault in channel c keeps at least as much): a resumable
  // conv whose input keeps its first b channels golden continues from the golden sums over
  // them (a later faulty step too: its faulty channels are recomputed whole afterwards).
  const auto& steps = exec.steps();
  resume.by_step.resize(steps.size());
  bool grew = false;
  IdVector<ValueId, int> golden;
  golden.resize(graph.values.size());
  for (const auto& [faulty, plan] : plans) {
    for (ValueId v : ids<ValueId>(golden.size())) golden[v] = shape_of(graph, v).c;
    for (StepId s : plan.desc) {
      const ExecStep& st = step_at(exec, s);
      const ValueId in = input_of(st, 0);
      const int b = golden[in];
      if (b > 0 && b < shape_of(graph, in).c && exec.step_resumable(s.value())) {
        std::vector<int>& at = resume.by_step[s];
        const auto it = std::lower_bound(at.begin(), at.end(), b);
        if (it == at.end() || *it != b) {
          at.insert(it, b);
          grew = true;
        }
      }
      golden[output_of(st)] =
          plan.is_faulty(s) ? 0 : golden_channels_after(graph, st, [&](ValueId v) { return golden[v]; });
    }
  }
  if (!grew) return;
  ++resume.version;
  resume.floats_per_image = 0;
  for (StepId s : ids<StepId>(steps.size()))
    resume.floats_per_image += int64_t(resume.by_step[s].size()) * index.row_floats[output_of(step_at(exec, s))];
}

}  // namespace faultbench::campaign_detail
