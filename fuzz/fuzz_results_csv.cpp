// Fuzz target: campaign result tables as `faultbench compare` reads them (ours, the
// published lists with result columns, or Injection,masked,non_critical,critical), then
// the comparison of the table with itself and with a fixed two-row table, and the report.
#include <sstream>

#include "faultbench/campaign/compare.h"
#include "fuzz_util.h"

using namespace faultbench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ResultTable fixed = [] {
    std::istringstream in("Injection,masked,non_critical,critical\n0,1,2,3\n1,10,0,0\n");
    return parse_result_table(in, "fixed.csv");
  }();
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::run_expecting_errors([&] {
    std::istringstream in(text);
    const ResultTable t = parse_result_table(in, "fuzz_results.csv");
    const CompareReport self = compare_results(t, t, 5);
    if (self.matched != int64_t(t.rows.size()) || self.max_abs_diff != 0)
      fuzz::finding("compare", "a table compared with itself has unmatched rows or differences");
    (void)format_compare_report(self, "a", "a");
    (void)format_compare_report(compare_results(t, fixed, 5), "a", "fixed");
  });
  return 0;
}
