#include "multi_site.h"

#include <algorithm>
#include <bit>

#include <fmt/format.h>

#include "faultbench/error.h"

namespace faultbench {

std::vector<ResolvedSite> ResolvedFault::sites() const {
  std::vector<ResolvedSite> all{first()};
  all.insert(all.end(), more.begin(), more.end());
  return all;
}

ResolvedFault resolve_fault_sites(const Graph& graph, const Fault* rows, size_t count) {
  FAULTBENCH_CHECK(count > 0, "resolve_fault_sites: a fault without sites");
  std::vector<ResolvedSite> sites;
  for (size_t i = 0; i < count; ++i) {
    const ResolvedFault r = resolve_fault(graph, rows[i]);
    sites.push_back(r.first());
  }
  // The earliest node first: plan_fault_batches and the fast mode order and start by it.
  const auto earliest =
      std::min_element(sites.begin(), sites.end(), [](const auto& a, const auto& b) { return a.node < b.node; });
  const ResolvedSite head = *earliest;
  sites.erase(earliest);
  ResolvedFault f{head.param, head.node, head.offset, head.bit, head.model, std::move(sites)};
  return f;
}

namespace campaign_detail {

AppliedFault::AppliedFault(Graph& graph, Executor& exec, const ResolvedFault& fault)
    : graph_(graph), exec_(exec), sites_(fault.sites()) {
  for (const ResolvedSite& s : sites_) {
    float& weight = graph_.params[size_t(s.param)].value.data[size_t(s.offset)];
    original_.push_back(weight);
    weight = apply_param_fault(graph_, s.param, weight, s.bit, s.model);
    exec_.param_element_changed(s.param, s.offset);
  }
}

AppliedFault::~AppliedFault() {
  for (size_t i = sites_.size(); i-- > 0;) {
    graph_.params[size_t(sites_[i].param)].value.data[size_t(sites_[i].offset)] = original_[i];
    exec_.param_element_changed(sites_[i].param, sites_[i].offset);
  }
}

bool changes_nothing(const Graph& graph, const ResolvedFault& fault) {
  // Distinct sites flip, clear or set distinct bits: the weights keep their bits only when
  // every site alone keeps its weight's.
  for (const ResolvedSite& s : fault.sites()) {
    const float w = graph.params[size_t(s.param)].value.data[size_t(s.offset)];
    if (std::bit_cast<uint32_t>(apply_param_fault(graph, s.param, w, s.bit, s.model)) != std::bit_cast<uint32_t>(w))
      return false;
  }
  return true;
}

}  // namespace campaign_detail
}  // namespace faultbench
