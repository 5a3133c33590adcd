#include "faultbench/faults/fault_group.h"

#include <fmt/format.h>

#include "faultbench/error.h"

namespace faultbench {

std::vector<FaultGroup> fault_groups(const FaultList& list) {
  std::vector<FaultGroup> groups;
  for (size_t i = 0; i < list.faults.size(); ++i) {
    if (!groups.empty() && groups.back().injection == list.faults[i].injection) {
      ++groups.back().count;
      continue;
    }
    groups.push_back(FaultGroup{list.faults[i].injection, i, 1});
  }
  return groups;
}

bool has_multi_site(const std::vector<FaultGroup>& groups) {
  for (const FaultGroup& g : groups)
    if (g.count > 1) return true;
  return false;
}

void check_same_layer(const FaultList& list, const std::vector<FaultGroup>& groups) {
  for (const FaultGroup& g : groups)
    for (size_t i = g.first + 1; i < g.first + g.count; ++i)
      if (list.faults[i].site.layer != list.faults[g.first].site.layer) {
        const std::string where = i < list.lines.size() ? fmt::format("{}:{}", list.source, list.lines[i])
                                                        : fmt::format("{}: row {}", list.source, i);
        throw FormatError(fmt::format(
            "{}: fault {} has sites in layers '{}' and '{}', but its sidecar records --same-layer (every site of a "
            "fault in one layer)",
            where, g.injection, list.faults[g.first].site.layer, list.faults[i].site.layer));
      }
}

}  // namespace faultbench
