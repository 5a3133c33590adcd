#include "faultbench/campaign/results_csv.h"

#include <fmt/format.h>

#include "faultbench/error.h"
#include "faultbench/faults/fault_list_csv.h"

namespace faultbench {

std::string format_results_csv(const std::vector<Fault>& faults, const std::vector<FaultCounts>& counts, int64_t images,
                               const std::vector<int>* sites) {
  FAULTBENCH_CHECK(faults.size() == counts.size(), "format_results_csv: one count per fault");
  FAULTBENCH_CHECK(!sites || sites->size() == faults.size(), "format_results_csv: one site count per fault");
  bool with_model = false;
  for (const Fault& f : faults) with_model |= f.model != FaultModel::BitFlip;
  std::string out = with_model ? "Injection,Layer,TensorIndex,Bit,FaultModel," : "Injection,Layer,TensorIndex,Bit,";
  out += sites ? "n_injections,masked,non_critical,critical,due,top1_correct,sites\n"
               : "n_injections,masked,non_critical,critical,due,top1_correct\n";
  for (size_t i = 0; i < faults.size(); ++i) {
    const Fault& f = faults[i];
    const FaultCounts& c = counts[i];
    out += fmt::format("{},{},\"{}\",{},", f.injection, f.site.layer, tensor_index_to_string(f.site.index), f.site.bit);
    if (with_model) out += fmt::format("{},", fault_model_name(f.model));
    out += fmt::format("{},{},{},{},{},{}", images, c.masked, c.non_critical, c.critical, c.due, c.top1_correct);
    out += sites ? fmt::format(",{}\n", (*sites)[i]) : std::string("\n");
  }
  return out;
}

}  // namespace faultbench
