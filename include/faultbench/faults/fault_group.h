// Multi-bit and multi-site faults: the rows of a fault list that share an Injection id form
// one fault, whose sites are applied together (each with its row's fault model).
//
// The rows of one fault are consecutive in the list (validate_fault_list refuses an id that
// comes back after another fault's rows: two lists concatenated with overlapping ids are a
// mistake, not one fault). A published list, one row per id, is the special case of faults
// of one site each, and runs and writes exactly as before.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "faultbench/faults/fault.h"

namespace faultbench {

struct FaultGroup {
  int64_t injection = 0;
  size_t first = 0;  // rows [first, first + count) of the list
  size_t count = 0;
};

// The faults of `list` in list order: consecutive rows with one Injection id each form one.
std::vector<FaultGroup> fault_groups(const FaultList& list);

// Whether some fault of the list has more than one site.
bool has_multi_site(const std::vector<FaultGroup>& groups);

// The largest number of sites a fault may have (a 32-bit word has 32 bits; a list of larger
// faults is refused rather than held in memory).
inline constexpr size_t kMaxSitesPerFault = 64;

// Refuses (FormatError naming the line) a fault whose sites are in more than one layer:
// the rule of a list drawn with --same-layer, recorded in its sidecar.
void check_same_layer(const FaultList& list, const std::vector<FaultGroup>& groups);

}  // namespace faultbench
