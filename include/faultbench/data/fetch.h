// `faultbench fetch`: official test-set archives and reference checkpoints for users with
// internet access, verified against their published checksums and unpacked atomically.
//
// Sources (base URLs; FAULTBENCH_MIRROR or --mirror replaces the base):
//   CIFAR-10/100 binary tarballs  https://www.cs.toronto.edu/~kriz/<file>           (md5 as published there)
//   GTSRB test images + GT zips   https://sid.erda.dk/public/archives/daaeac0d7ce1152aea9b61d9f1e19370/<file>
//                                 (md5 as listed by torchvision's GTSRB dataset)
//   checkpoints                   https://media.githubusercontent.com/media/cad-polito-it/dnn-benchmarks/main/
//                                 torch/gpu/image_classification/<DATASET>/fp32/<family>/<file>
// With a mirror M, archives are fetched from M/<file> and checkpoints from M/<repository path>.
#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace faultbench {

// One file to download, with its published checksum ("" when none is published).
struct RemoteFile {
  std::string file_name;  // e.g. "cifar-10-binary.tar.gz"
  std::string url;
  std::string algorithm;  // "md5" or "sha256"
  std::string digest;     // lower-case hex, "" when unknown
};

// The official base URLs, or the mirror: the option value when non-empty, else the
// FAULTBENCH_MIRROR environment variable when set, else "".
std::string resolve_mirror(const std::string& option_value);

// The archives of a dataset's test set (cifar10: 1, cifar100: 1, gtsrb: 2).
std::vector<RemoteFile> dataset_archives(const std::string& dataset, const std::string& mirror = "");

// The reference checkpoint of (model, dataset), model in CLI naming (resnet20, vgg11_bn, ...)
// and the repository path it comes from. UsageError naming the choices for an unknown pair.
RemoteFile weights_file(const std::string& model, const std::string& dataset, const std::string& mirror = "");

using FetchLog = std::function<void(const std::string&)>;

// Downloads the archives, verifies each checksum, unpacks them into a temporary folder in
// data_dir, checks that the result loads (load_test_set), then renames the dataset folder
// into place (cifar-10-batches-bin, cifar-100-binary, GTSRB/Final_Test + GT-final_test.csv).
// An existing dataset is kept unless `force`. Nothing is left in data_dir on failure.
// `archives` defaults to dataset_archives(dataset, mirror); tests pass their own.
void fetch_dataset(const std::string& dataset, const std::filesystem::path& data_dir,
                   const std::vector<RemoteFile>& archives, bool force, const FetchLog& log);

// Downloads the checkpoint to data_dir/weights/<dataset>/<file name>, verifying the
// checksum when one is known; returns the path.
std::filesystem::path fetch_weights(const RemoteFile& file, const std::string& dataset,
                                    const std::filesystem::path& data_dir, bool force, const FetchLog& log);

}  // namespace faultbench
