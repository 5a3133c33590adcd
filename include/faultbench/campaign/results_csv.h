// The campaign result file: the reference result CSV plus two columns.
//
//   Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical,due,top1_correct
//   0,conv1,"(3, 0, 2, 1)",15,10000,14,9985,1,0,8000
// Rows in fault-list order; TensorIndex as the reference writes it (a quoted Python tuple);
// LF line ends. When any fault is not a bit flip a FaultModel column follows Bit.
// A multi-site fault is one row: its first site and, in a last column `sites`, how many.
#pragma once
#include <string>
#include <vector>

#include "faultbench/campaign/classify.h"
#include "faultbench/faults/fault.h"

namespace faultbench {

// counts[i] belongs to faults[i]; images is n_injections. A list with multi-site faults
// (fault_group.h) gives `sites` (one count per fault, faults[i] its first row): a last
// column `sites` then follows top1_correct; without it the file is byte for byte as before.
std::string format_results_csv(const std::vector<Fault>& faults, const std::vector<FaultCounts>& counts, int64_t images,
                               const std::vector<int>* sites = nullptr);

}  // namespace faultbench
