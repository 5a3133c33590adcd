#include "faultbench/data/layout.h"

#include <algorithm>
#include <system_error>

#include <fmt/format.h>

#include "faultbench/data/fetch.h"
#include "faultbench/error.h"

namespace faultbench {

namespace fs = std::filesystem;

fs::path test_set_marker(const std::string& dataset) {
  if (dataset == "cifar10") return fs::path("cifar-10-batches-bin") / "test_batch.bin";
  if (dataset == "cifar100") return fs::path("cifar-100-binary") / "test.bin";
  if (dataset == "gtsrb") return fs::path("GTSRB") / "Final_Test" / "Images";
  throw UsageError(fmt::format("unknown dataset '{}' (expected cifar10, cifar100 or gtsrb)", dataset));
}

fs::path locate_test_set(const std::string& dataset, const fs::path& root) {
  const fs::path marker = test_set_marker(dataset);
  std::error_code ec;
  if (fs::exists(root / marker, ec)) return root;
  if (!fs::is_directory(root, ec))
    throw IoError(
        fmt::format("{}: data folder does not exist (set --data-dir or FAULTBENCH_DATA to a data root; "
                    "get the {} test set with faultbench fetch --dataset {} --data-dir {})",
                    root.string(), dataset, dataset, root.string()));
  std::vector<fs::path> found;
  // One level down only, and a bounded number of entries: a data root is a handful of
  // folders, and a huge or hostile folder must not make this a crawl.
  int seen = 0;
  for (fs::directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (++seen > 10000) break;
    std::error_code e2;
    if (it->is_directory(e2) && fs::exists(it->path() / marker, e2)) found.push_back(it->path());
  }
  std::sort(found.begin(), found.end());
  if (found.size() == 1) return found.front();
  if (found.size() > 1) {
    std::string list;
    for (const fs::path& p : found) list += (list.empty() ? "" : ", ") + (p / marker).string();
    throw UsageError(fmt::format("{}: {} test sets of {} found ({}): point --data-dir at the one to use", root.string(),
                                 found.size(), dataset, list));
  }
  throw IoError(fmt::format(
      "{}: no {} test set: looked for {} and {}; get it with faultbench fetch --dataset {} "
      "--data-dir {}",
      root.string(), dataset, (root / marker).string(), (root / "*" / marker).string(), dataset, root.string()));
}

fs::path locate_weights(const std::string& model, const std::string& dataset, const fs::path& root) {
  // The npy folder holds images only; a zoo model run on it names its checkpoint itself.
  if (dataset == "npy") throw UsageError("--dataset npy: give the model's checkpoint with --weights");
  const fs::path path = root / "weights" / dataset / weights_file(model, dataset).file_name;
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return path;
  throw IoError(
      fmt::format("{}: no --weights given and the reference checkpoint is not in the data root; get it "
                  "with faultbench fetch --weights --model {} --dataset {} --data-dir {}, or pass --weights",
                  path.string(), model, dataset, root.string()));
}

}  // namespace faultbench
