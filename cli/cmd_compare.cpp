// faultbench compare A.csv B.csv [--allow-partial] [--rates] [--top N]: per-class totals,
// correlation and mean absolute difference of per-fault critical counts (or rates), and
// the faults that disagree most. Refuses (exit 1) two files of different faults or image
// counts unless told how to compare them (compare.h).
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
    CompareOptions compare;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("compare", "Compare two campaign result files of the same faults");
  cmd->add_option("A", o->a, "result CSV (ours, published, or Injection,masked,non_critical,critical)")->required();
  cmd->add_option("B", o->b, "result CSV to compare with")->required();
  integer_range(cmd->add_option("--top", o->compare.worst, "how many disagreeing faults to list (default 10)"), 0,
                1000000);
  cmd->add_flag("--allow-partial", o->compare.allow_partial,
                "compare the faults common to both files when their fault sets differ (default: refuse)");
  cmd->add_flag("--rates", o->compare.rates,
                "compare per-fault rates (count / n_injections): needed when the image counts differ");
  cmd->callback([o] {
    const ResultTable a = read_result_table(o->a);
    const ResultTable b = read_result_table(o->b);
    const CompareReport r = compare_results(a, b, o->compare);
    require_comparable(r, o->compare, o->a, o->b);
    for (const std::string& w : compare_warnings(r)) std::fprintf(stderr, "compare: warning: %s\n", w.c_str());
    std::fputs(format_compare_report(r, o->a, o->b).c_str(), stdout);
  });
}

}  // namespace faultbench::cli
