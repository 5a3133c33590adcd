#include "faultbench/campaign/margin_stop.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "faultbench/campaign/intervals.h"
#include "faultbench/util/py_random.h"

namespace faultbench {

const char* margin_groups_name(MarginGroups per) {
  switch (per) {
    case MarginGroups::Model: return "model";
    case MarginGroups::Layer: return "layer";
    case MarginGroups::Bit: return "bit";
  }
  return "?";
}

std::string MarginStop::describe() const {
  return fmt::format("margin {}, confidence {}, per {}, seed {}", margin, confidence, margin_groups_name(per), seed);
}

std::vector<size_t> shuffled_order(size_t n, int64_t seed) {
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  PyRandom rng(seed);
  // random.shuffle: for i in reversed(range(1, len(x))): j = _randbelow(i + 1); swap.
  for (size_t i = n; i-- > 1;) std::swap(order[i], order[size_t(rng.randbelow(uint64_t(i) + 1))]);
  return order;
}

MarginCheckpoints::MarginCheckpoints(std::vector<size_t> order, const std::vector<char>& done)
    : order_(std::move(order)), checkpoint_of_(order_.size(), 0), evaluated_(order_.size(), 0) {
  for (size_t s = 0; s < order_.size(); s += size_t(kMarginCheckEvery)) {
    const size_t end = std::min(order_.size(), s + size_t(kMarginCheckEvery));
    std::vector<size_t> todo;
    for (size_t k = s; k < end; ++k) {
      checkpoint_of_[order_[k]] = ends_.size();
      if (!done[order_[k]]) todo.push_back(order_[k]);
    }
    outstanding_.push_back(int64_t(todo.size()));
    todo_.push_back(std::move(todo));
    ends_.push_back(end);
  }
}

void MarginCheckpoints::mark_done(size_t position) { --outstanding_[checkpoint_of_[position]]; }

bool MarginCheckpoints::next_ready() const { return next_ < ends_.size() && outstanding_[next_] == 0; }

const std::vector<char>& MarginCheckpoints::advance() {
  const size_t begin = next_ == 0 ? 0 : ends_[next_ - 1];
  for (size_t k = begin; k < ends_[next_]; ++k) evaluated_[order_[k]] = 1;
  ++next_;
  return evaluated_;
}

std::vector<GroupMargin> group_margins(const std::vector<Fault>& faults, const std::vector<FaultCounts>& counts,
                                       const std::vector<char>& done, MarginGroups per, double z) {
  std::vector<GroupMargin> groups;
  std::map<std::string, size_t> at;
  if (per == MarginGroups::Bit)
    for (int b = 0; b < 32; ++b) {
      at[std::to_string(b)] = groups.size();
      groups.push_back(GroupMargin{std::to_string(b)});
    }
  for (size_t i = 0; i < faults.size(); ++i) {
    const std::string key = per == MarginGroups::Model   ? "all"
                            : per == MarginGroups::Layer ? faults[i].site.layer
                                                         : std::to_string(faults[i].site.bit);
    auto [it, fresh] = at.emplace(key, groups.size());
    if (fresh) groups.push_back(GroupMargin{key});
    GroupMargin& g = groups[it->second];
    ++g.faults_listed;
    if (!done[i]) continue;
    ++g.faults_run;
    g.critical += counts[i].critical;
    g.injections += counts[i].images();
  }
  std::vector<GroupMargin> out;
  for (GroupMargin& g : groups) {
    if (g.faults_listed == 0) continue;  // a bit no fault of the list has
    g.rate = g.injections > 0 ? double(g.critical) / double(g.injections) : 0;
    g.half_width =
        stats::wilson_fpc_interval(g.rate * double(g.faults_run), double(g.faults_run), double(g.faults_listed), z)
            .half_width();
    out.push_back(std::move(g));
  }
  return out;
}

bool margins_reached(const std::vector<GroupMargin>& groups, double margin) {
  for (const GroupMargin& g : groups)
    if (!(g.half_width <= margin)) return false;
  return true;
}

const GroupMargin* widest_group(const std::vector<GroupMargin>& groups) {
  const GroupMargin* w = nullptr;
  for (const GroupMargin& g : groups)
    if (!w || g.half_width > w->half_width) w = &g;
  return w;
}

}  // namespace faultbench
