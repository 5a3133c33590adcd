// faultbench compare A.csv B.csv: per-class totals, correlation and mean absolute
// difference of per-fault critical counts, and the faults that disagree most.
#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "common.h"
#include "faultbench/campaign/compare.h"

namespace faultbench::cli {

void add_compare_command(CLI::App& app) {
  struct Options {
    std::string a, b;
    size_t top = 10;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("compare", "Compare two campaign result files of the same fault list");
  cmd->add_option("A", o->a, "result CSV (ours, published, or Injection,masked,non_critical,critical)")->required();
  cmd->add_option("B", o->b, "result CSV to compare with")->required();
  integer_range(cmd->add_option("--top", o->top, "how many disagreeing faults to list (default 10)"), 0, 1000000);
  cmd->callback([o] {
    const ResultTable a = read_result_table(o->a);
    const ResultTable b = read_result_table(o->b);
    const CompareReport r = compare_results(a, b, o->top);
    std::fputs(format_compare_report(r, o->a, o->b).c_str(), stdout);
  });
}

}  // namespace faultbench::cli
