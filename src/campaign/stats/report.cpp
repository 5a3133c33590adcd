// write_report: the outputs of `faultbench report`, checked before any is written.
#include <fmt/format.h>

#include "faultbench/campaign/report.h"
#include "faultbench/error.h"
#include "faultbench/util/atomic_file.h"
#include "faultbench/util/output_paths.h"
#include "faultbench/zoo/zoo.h"
#include "report_private.h"

namespace faultbench {

namespace {

// The populations of a source's groups: the zoo's sites of its model in the bits of its
// numerics (32 when not recorded: the published lists flip fp32 words), and the sampler's
// N when the sidecar has it. A model the zoo does not know (an imported network) has no
// per-group populations, and its Leveugle margins are absent but the model's.
Populations populations_of(const ReportSource& s) {
  const Numerics numerics = parse_numerics(s.numerics).value_or(Numerics::Fp32);
  Populations p;
  p.numerics = numerics;
  if (!s.model.empty() && !s.dataset.empty()) {
    try {
      p = zoo_populations(s.model, s.dataset, numerics, s.target);
    } catch (const UsageError&) {
      if (s.metadata == "options") throw;  // the user named it: say it is not in the zoo
    }
  }
  p.single_bit = !s.table.has_site_counts;
  p.sampled = s.sampled_population;
  return p;
}

}  // namespace

std::vector<std::filesystem::path> write_report(const std::vector<ReportSource>& sources,
                                                const ReportOptions& options) {
  const double z = stats::z_for_confidence(options.confidence);
  std::vector<ReportData> files;
  for (const ReportSource& s : sources) {
    FAULTBENCH_CHECK(!s.table.rows.empty(), "write_report: a table without rows");
    ReportData d;
    d.source = &s;
    d.groups = group_stats(s.table, populations_of(s), s.table.has_due);
    d.histogram = critical_histogram(s.table);
    files.push_back(std::move(d));
  }
  const std::vector<Figure> figures = report_figures(files, z);
  std::vector<std::pair<std::filesystem::path, std::string>> outputs = {
      {options.out_dir / "summary.json", summary_json(files, options.confidence, z)},
      {options.out_dir / "rates.csv", rates_csv(files, z)},
      {options.out_dir / "histogram.csv", histogram_csv(files)},
      {options.out_dir / "report.html", report_html(files, figures, options.confidence, z)}};
  for (const Figure& f : figures) outputs.emplace_back(options.out_dir / f.file, f.svg);

  IoPlan plan;
  for (const ReportSource& s : sources) {
    plan.input("a result file", s.path);
    plan.input("a result file's sidecar", s.path.string() + ".json");
  }
  for (const auto& [path, text] : outputs) plan.output("an output of --out", path);
  plan.check();
  std::vector<std::filesystem::path> written;
  for (const auto& [path, text] : outputs) {
    write_file_atomically(path, text);
    written.push_back(path);
  }
  return written;
}

}  // namespace faultbench
