// faultbench report RESULTS.csv [MORE.csv ...] --out DIR [--model M --dataset D [--numerics N]]
// [--confidence C]:
// rates with intervals per layer, bit, layer type and bit field (summary.json, rates.csv,
// histogram.csv), and report.html with its figures (also as SVG files). report.h has the
// definitions; docs/REPORT.md every field.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "common.h"
#include "faultbench/campaign/report.h"
#include "faultbench/error.h"

namespace faultbench::cli {

void add_report_command(CLI::App& app) {
  struct Options {
    std::vector<std::string> files;
    std::string out;
    ReportOptions report;
    Numerics numerics = Numerics::Fp32;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("report", "Rates with confidence intervals, tables and figures of campaign results");
  cmd->add_option("RESULTS", o->files,
                  "result CSVs (faultbench's, or published ones with result columns); several are shown side by side")
      ->required();
  cmd->add_option("--out", o->out, "folder for summary.json, rates.csv, histogram.csv, report.html and *.svg")
      ->required();
  cmd->add_option("--model", o->report.model,
                  "model of the files without a sidecar (e.g. the published lists): gives the fault population");
  cmd->add_option("--dataset", o->report.dataset, "dataset of the files without a sidecar");
  CLI::Option* numerics = add_numerics_option(
      cmd, o->numerics,
      "numerics of the files without a sidecar (the published lists ran tf32-published); not recorded if omitted");
  real_range(cmd->add_option("--confidence", o->report.confidence, "confidence level of the intervals (default 0.99)"),
             0, 1, true, true);
  cmd->callback([o, numerics] {
    if (o->report.model.empty() != o->report.dataset.empty())
      throw UsageError("report: --model and --dataset go together (the model of the files without a sidecar)");
    if (numerics->count() > 0 && o->report.model.empty())
      throw UsageError(
          "report: --numerics describes the files without a sidecar: give their --model and --dataset too");
    if (numerics->count() > 0) o->report.numerics = numerics_name(o->numerics);
    o->report.out_dir = o->out;
    std::vector<std::filesystem::path> files(o->files.begin(), o->files.end());
    const std::vector<ReportSource> sources = read_report_sources(files, o->report);
    for (const ReportSource& s : sources)
      if (s.metadata == "none")
        std::fprintf(stderr,
                     "report: warning: %s has no sidecar and no --model/--dataset: its fault population is unknown, "
                     "so the Leveugle margins are left out\n",
                     s.path.string().c_str());
    const auto written = write_report(sources, o->report);
    std::printf("report: %zu files written to %s (open report.html)\n", written.size(), o->out.c_str());
  });
}

}  // namespace faultbench::cli
