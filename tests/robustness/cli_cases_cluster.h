// Rows of docs/ROBUSTNESS.md: Cluster (issue 18): campaign --shard K/N and faultbench merge.
#pragma once
#include "cli_cases_common.h"

namespace faultbench::robustness {

inline std::vector<CliCase> cli_cases_cluster() {
  using namespace detail;
  return {
      // Cluster (issue 18): campaign --shard K/N and merge.
      {"campaign-shard-bad", "command line", "campaign --shard 4/3 (a part past the last)", campaign_inputs,
       cat(kCampaign, {"--shard", "4/3"}), 2},
      {"campaign-shard-other-part",
       "cluster",
       "campaign --shard 2/2 on the --out of part 1/2",
       [](const fs::path& d) {
         parts_of(d, 2);
         fs::create_directories(d / "out");
         fs::rename(d / "p1.csv", d / "out" / "RESULTS.csv");
         fs::rename(d / "p1.csv.json", d / "out" / "RESULTS.csv.json");
         write_bytes(d / "list.csv", kFourFaults);
       },
       {"campaign", "--model", "resnet20", "--dataset", "cifar10", "--weights", "w.safetensors", "--data-dir", "data",
        "--faults", "list.csv", "--out", "out/RESULTS.csv", "--first-images", "2", "--threads", "1", "--shard", "2/2"},
       2},
      {"merge-part-missing",
       "cluster",
       "merge given parts 1 and 3 of 3",
       [](const fs::path& d) { parts_of(d, 3); },
       {"merge", "p1.csv", "p3.csv", "--out", "R.csv"},
       2},
      {"merge-part-twice",
       "cluster",
       "merge given part 1 twice",
       [](const fs::path& d) { parts_of(d, 2); },
       {"merge", "p1.csv", "p2.csv", "p1.csv", "--out", "R.csv"},
       2},
      {"merge-mixed-campaigns",
       "cluster",
       "part 2 of a campaign on 3 images with part 1 of one on 2",
       [](const fs::path& d) {
         parts_of(d, 2);
         run_part(d, 2, 2, "q2.csv", 3);
       },
       {"merge", "p1.csv", "q2.csv", "--out", "R.csv"},
       2},
      {"merge-other-partition",
       "cluster",
       "part 1 of 2 with parts 2 and 3 of 3",
       [](const fs::path& d) {
         parts_of(d, 3);
         run_part(d, 1, 2, "h1.csv");
       },
       {"merge", "h1.csv", "p2.csv", "p3.csv", "--out", "R.csv"},
       2},
      {"merge-overlap",
       "cluster",
       "two parts whose sidecars claim the same fault (edited positions)",
       [](const fs::path& d) {
         parts_of(d, 2);
         // Part 2's runs moved down by one: as many rows as before, one position in both parts.
         edit_sidecar(d / "p2.csv", [](nlohmann::ordered_json& j) {
           for (auto& run : j["shard"]["positions"]) run = {run[0].get<int>() - 1, run[1].get<int>() - 1};
         });
       },
       {"merge", "p1.csv", "p2.csv", "--out", "R.csv"},
       2},
      {"merge-part-changed",
       "cluster",
       "a part whose CSV was edited after its run",
       [](const fs::path& d) {
         parts_of(d, 2);
         std::string csv = read_bytes(d / "p2.csv");
         csv[csv.size() - 2] = csv[csv.size() - 2] == '0' ? '1' : '0';
         write_bytes(d / "p2.csv", csv);
       },
       {"merge", "p1.csv", "p2.csv", "--out", "R.csv"},
       1},
      {"merge-not-a-part",
       "cluster",
       "a whole-list result given as a part",
       [](const fs::path& d) {
         parts_of(d, 2);
         run_part(d, 0, 0, "whole.csv");
       },
       {"merge", "p1.csv", "whole.csv", "--out", "R.csv"},
       1},
      {"merge-no-sidecar",
       "cluster",
       "a part without its sidecar",
       [](const fs::path& d) {
         parts_of(d, 2);
         fs::remove(d / "p2.csv.json");
       },
       {"merge", "p1.csv", "p2.csv", "--out", "R.csv"},
       1},
      {"merge-out-is-a-part",
       "output",
       "merge --out naming one of the parts",
       [](const fs::path& d) { parts_of(d, 2); },
       {"merge", "p1.csv", "p2.csv", "--out", "p2.csv"},
       2},
      {"merge-out-exists",
       "output",
       "merge --out naming a file that is no result of this campaign",
       [](const fs::path& d) {
         parts_of(d, 2);
         write_bytes(d / "R.csv", "mine\n");
       },
       {"merge", "p1.csv", "p2.csv", "--out", "R.csv"},
       2},
      {"merge-out-link",
       "output",
       "merge --out naming a symbolic link",
       [](const fs::path& d) {
         parts_of(d, 2);
         fs::create_symlink("elsewhere.csv", d / "R.csv");
       },
       {"merge", "p1.csv", "p2.csv", "--out", "R.csv"},
       1},
  };
}

}  // namespace faultbench::robustness
