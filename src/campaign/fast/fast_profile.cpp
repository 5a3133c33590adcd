// EngineOptions::profile: the workers' sums as an EngineProfile.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "fast_mode.h"

namespace faultbench::campaign_detail {

EngineProfile FastMode::profile() const {
  EngineProfile p;
  if (!options_.profile || workers_.empty()) return p;
  p.golden_seconds = double(golden_ns_) * 1e-9;
  const Graph& g = graph_;
  for (size_t node = 0; node < g.nodes.size(); ++node) {
    EngineProfile::FaultLayer l;
    l.layer = g.nodes[node].name;
    l.faults = node_faults_[node];
    for (const auto& w : workers_) {
      l.fault_images += w->profile.node_images[node];
      l.dropped_early += w->profile.node_dropped[node];
      l.seconds += double(w->profile.node_ns[node]) * 1e-9;
    }
    if (l.faults > 0) p.by_faulty_layer.push_back(l);
  }
  for (StepId s : ids<StepId>(steps_.steps().size())) {
    const ExecStep& st = step_at(steps_, s);
    EngineProfile::Step out;
    const Node& head = g.nodes[size_t(st.node)];
    std::vector<std::string> kinds;
    for (int member : st.members) kinds.emplace_back(op_kind_name(g.nodes[size_t(member)].kind));
    out.name =
        fmt::format("{} ({})", head.name.empty() ? fmt::format("#{}", st.node) : head.name, fmt::join(kinds, "+"));
    for (const auto& w : workers_) {
      out.image_runs += w->profile.step_images[s];
      out.resumed_image_runs += w->profile.step_resumed[s];
      out.seconds += double(w->profile.step_ns[s]) * 1e-9;
    }
    if (out.image_runs > 0) p.by_step.push_back(out);
  }
  return p;
}

}  // namespace faultbench::campaign_detail
