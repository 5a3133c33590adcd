#include "faultbench/campaign/shard.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "faultbench/campaign/results_csv.h"
#include "faultbench/error.h"

namespace faultbench {

namespace {
// Costs are summed exactly; 128 bits hold any list's total (__extension__: no -Wpedantic).
__extension__ typedef unsigned __int128 u128;
}  // namespace

std::string ShardSpec::name() const { return active() ? fmt::format("{}/{}", index, count) : ""; }

ShardSpec parse_shard(const std::string& text, const std::string& option) {
  constexpr int kMaxParts = 100000;  // more parts than a job array can hold on any cluster
  const auto rule = [&] {
    return UsageError(fmt::format("{} {}: expected K/N with 1 <= K <= N <= {} (e.g. 3/8)", option, text, kMaxParts));
  };
  const size_t slash = text.find('/');
  if (slash == std::string::npos) throw rule();
  auto number = [&](std::string_view s) {
    int v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) throw rule();
    return v;
  };
  ShardSpec s;
  s.index = number(std::string_view(text).substr(0, slash));
  s.count = number(std::string_view(text).substr(slash + 1));
  if (s.count < 1 || s.count > kMaxParts || s.index < 1 || s.index > s.count) throw rule();
  return s;
}

std::vector<size_t> shard_positions(const Graph& graph, const std::vector<ResolvedFault>& faults, CampaignMode mode,
                                    const ShardSpec& shard) {
  std::vector<size_t> all(faults.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  if (!shard.active()) return all;
  // The engine's batching order (as plan_fault_batches sorts): faulty node in forward
  // order, list order inside a node.
  std::vector<size_t> order(all);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return faults[a].node < faults[b].node; });
  // Integer costs: multiply-adds from the faulty layer on (see the header); the sums fit
  // in 128 bits for any list and network.
  std::vector<u128> suffix(graph.nodes.size() + 1, 0);
  for (size_t i = graph.nodes.size(); i-- > 0;) suffix[i] = suffix[i + 1] + uint64_t(graph.node_macs(int(i)));
  auto cost = [&](const ResolvedFault& f) -> u128 {
    if (mode != CampaignMode::Fast) return 1;
    if (f.activation) return suffix[size_t(f.node) + 1] + 1;  // only what the changed value reaches
    const int64_t channels = std::max<int64_t>(1, graph.params[size_t(f.param)].shape.at(0));
    return uint64_t(graph.node_macs(f.node)) / uint64_t(channels) + suffix[size_t(f.node) + 1] + 1;
  };
  u128 total = 0;
  for (size_t i : order) total += cost(faults[i]);
  if (total == 0) return {};
  // A fault belongs to the part in which its cost's midpoint lies: part =
  // floor((2*before + cost) * N / (2*total)), non-decreasing along the order.
  std::vector<size_t> mine;
  u128 before = 0;
  for (size_t i : order) {
    const u128 c = cost(faults[i]);
    const u128 part = (2 * before + c) * unsigned(shard.count) / (2 * total);
    if (part == unsigned(shard.index - 1)) mine.push_back(i);
    before += c;
  }
  std::sort(mine.begin(), mine.end());
  return mine;
}

std::vector<std::pair<int64_t, int64_t>> position_runs(const std::vector<size_t>& positions) {
  std::vector<std::pair<int64_t, int64_t>> runs;
  for (size_t p : positions) {
    if (!runs.empty() && runs.back().second + 1 == int64_t(p))
      runs.back().second = int64_t(p);
    else
      runs.emplace_back(int64_t(p), int64_t(p));
  }
  return runs;
}

std::string format_part_results_csv(const std::vector<Fault>& faults, const std::vector<FaultCounts>& counts,
                                    int64_t images, const std::vector<size_t>& positions,
                                    const std::vector<int>* sites) {
  const std::string all = format_results_csv(faults, counts, images, sites);
  // Line starts: the header, then one line per fault in list order.
  std::vector<size_t> starts{0};
  for (size_t i = 0; i < all.size(); ++i)
    if (all[i] == '\n') starts.push_back(i + 1);
  FAULTBENCH_CHECK(starts.size() == faults.size() + 2, "format_part_results_csv: one line per fault");
  auto line = [&](size_t k) { return std::string_view(all).substr(starts[k], starts[k + 1] - starts[k]); };
  std::string out(line(0));
  for (size_t p : positions) out += line(p + 1);
  return out;
}

}  // namespace faultbench
