// Rows of docs/ROBUSTNESS.md: faultbench report and campaign --until-margin (issue 15).
#pragma once
#include "cli_cases_common.h"

namespace faultbench::robustness {

inline std::vector<CliCase> cli_cases_stats() {
  using namespace detail;
  return {
      // faultbench report and campaign --until-margin (issue 15).
      {"report-no-result-columns",
       "results",
       "report of a fault list (no result columns)",
       [](const fs::path& d) { write_bytes(d / "a.csv", kTorchHeader + kGoodRows); },
       {"report", "a.csv", "--out", "rep"},
       1},
      {"report-header-only",
       "results",
       "report of a result file with a header and no row",
       [](const fs::path& d) {
         write_bytes(d / "a.csv", "Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical\n");
       },
       {"report", "a.csv", "--out", "rep"},
       1},
      {"report-due-above-images",
       "results",
       "a due count larger than the fault's image count",
       [](const fs::path& d) {
         write_bytes(d / "a.csv",
                     "Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical,due\n"
                     "0,conv1,\"(3, 0, 2, 1)\",15,10,1,8,1,11\n");
       },
       {"report", "a.csv", "--out", "rep"},
       1},
      {"report-sidecar-not-json",
       "results",
       "a result file whose sidecar (a.csv.json) is not JSON",
       [](const fs::path& d) {
         write_bytes(d / "a.csv", "Injection,masked,non_critical,critical\n0,1,8,1\n");
         write_bytes(d / "a.csv.json", "{\"model\": ");
       },
       {"report", "a.csv", "--out", "rep"},
       1},
      {"report-out-over-input",
       "output",
       "report --out the folder of its input, which is named rates.csv",
       [](const fs::path& d) { write_bytes(d / "rates.csv", "Injection,masked,non_critical,critical\n0,1,8,1\n"); },
       {"report", "rates.csv", "--out", "."},
       2},
      {"report-model-without-dataset",
       "command line",
       "report --model without --dataset",
       [](const fs::path& d) { write_bytes(d / "a.csv", "Injection,masked,non_critical,critical\n0,1,8,1\n"); },
       {"report", "a.csv", "--model", "resnet20", "--out", "rep"},
       2},
      {"report-unknown-model",
       "command line",
       "report --model of no zoo model",
       [](const fs::path& d) { write_bytes(d / "a.csv", "Injection,masked,non_critical,critical\n0,1,8,1\n"); },
       {"report", "a.csv", "--model", "resnet21", "--dataset", "cifar10", "--out", "rep"},
       2},
      {"report-confidence-one",
       "command line",
       "report --confidence 1",
       [](const fs::path& d) { write_bytes(d / "a.csv", "Injection,masked,non_critical,critical\n0,1,8,1\n"); },
       {"report", "a.csv", "--confidence", "1", "--out", "rep"},
       2},
      {"report-numerics-without-model",
       "command line",
       "report --numerics without --model/--dataset (it describes the files without a sidecar)",
       [](const fs::path& d) { write_bytes(d / "a.csv", "Injection,masked,non_critical,critical\n0,1,8,1\n"); },
       {"report", "a.csv", "--numerics", "tf32-published", "--out", "rep"},
       2},
      {"campaign-per-without-margin", "command line", "campaign --per layer without --until-margin", campaign_inputs,
       detail::cat(kCampaign, {"--per", "layer"}), 2},
      {"campaign-until-margin-zero", "command line", "campaign --until-margin 0", campaign_inputs,
       detail::cat(kCampaign, {"--until-margin", "0"}), 2},
      {"campaign-until-margin-shard", "command line", "campaign --until-margin with --shard K/N", campaign_inputs,
       detail::cat(kCampaign, {"--until-margin", "0.01", "--shard", "1/2"}), 2},
  };
}

}  // namespace faultbench::robustness
