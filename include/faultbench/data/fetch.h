// `faultbench fetch`: official test-set archives, reference checkpoints and published fault
// lists, verified against their published checksums and written atomically (docs/DATA.md).
//
// Sources (base URLs; FAULTBENCH_MIRROR or --mirror replaces the base):
//   CIFAR-10/100 binary tarballs  https://www.cs.toronto.edu/~kriz/<file>           (md5 as published there)
//   GTSRB test images + GT zips   https://sid.erda.dk/public/archives/daaeac0d7ce1152aea9b61d9f1e19370/<file>
//                                 (md5 as listed by torchvision's GTSRB dataset)
//   repository files              cad-polito-it/dnn-benchmarks, branch main, at their repository path
//                                 torch/gpu/image_classification/<DATASET>/fp32/<family>/<file>
//                                 (tensorflow/... for the Keras fault lists):
//     Git LFS objects (.pt, .pth)   https://media.githubusercontent.com/media/cad-polito-it/dnn-benchmarks/main/<path>
//     plain files (.th, *_FL.csv)   https://raw.githubusercontent.com/cad-polito-it/dnn-benchmarks/main/<path>
//                                 (sha256 of the published file: of the blob, or the LFS pointer's oid)
// With a mirror M, archives are fetched from M/<file> and repository files from
// M/<repository path>. M is an http(s):// URL, a file:///absolute/path URL or a plain folder.
#pragma once
#include <cstdint>
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
  int64_t size = 0;       // published byte count: the most accepted; 0 when unknown (a generous bound)
};

// The mirror base URL: the option value when non-empty, else FAULTBENCH_MIRROR when set and
// non-empty, else "" (the official sources). http:// and https:// URLs are kept as given; a
// file:// URL must name an existing folder by its absolute path (file:///...); anything else
// is a folder path, relative to the working directory or absolute, turned into the file://
// URL of its absolute path. IoError naming the folder when it does not exist or is not a
// folder; UsageError for another URL scheme (ftp://, ...) or a file:// URL with a host.
std::string resolve_mirror(const std::string& option_value);

// The archives of a dataset's test set (cifar10: 1, cifar100: 1, gtsrb: 2).
std::vector<RemoteFile> dataset_archives(const std::string& dataset, const std::string& mirror = "");

// The reference checkpoint of (model, dataset), model in CLI naming (resnet20, vgg11_bn, ...)
// and the repository path it comes from. UsageError naming the choices for an unknown pair.
RemoteFile weights_file(const std::string& model, const std::string& dataset, const std::string& mirror = "");

// A published fault list (with the published result columns) and where fetch keeps it:
// ROOT/faultlists/<framework>/<DATASET>/<file name>, the layout of the reference data.
struct PublishedFaultList {
  std::string dataset;                          // CLI naming: cifar10, cifar100, gtsrb
  std::string model;                            // CLI naming: resnet20, ...
  std::string framework;                        // "torch", or "tensorflow" for the Keras lists
  RemoteFile file;                              // sha256 and size as published
  std::filesystem::path relative_path() const;  // faultlists/<framework>/<DATASET>/<file name>
};

// The published lists (torch, or the Keras ones when `keras`) of `dataset` and `model`, ""
// standing for all. UsageError naming the choices when nothing matches.
std::vector<PublishedFaultList> published_faultlists(const std::string& dataset, const std::string& model, bool keras,
                                                     const std::string& mirror = "");

using FetchLog = std::function<void(const std::string&)>;

// Downloads the archives, verifies each checksum, unpacks them into a temporary folder in
// data_dir, checks that the result loads (load_test_set), then renames the dataset folder
// into place (cifar-10-batches-bin, cifar-100-binary, GTSRB/Final_Test + GT-final_test.csv).
// An existing dataset is kept unless `force`. Nothing is left in data_dir on failure.
// `archives` defaults to dataset_archives(dataset, mirror); tests pass their own.
void fetch_dataset(const std::string& dataset, const std::filesystem::path& data_dir,
                   const std::vector<RemoteFile>& archives, bool force, const FetchLog& log);

// Downloads one file to `dest`: into a fresh temporary folder beside it, refused when it is
// a Git LFS pointer or larger than file.size, checked against the digest when one is known
// (FormatError "<url>: sha256 checksum mismatch: expected X, found Y ..."), then renamed
// into place; nothing is left behind on failure. An existing `dest` is kept (its digest
// checked) unless `force`. Returns dest.
std::filesystem::path fetch_file(const RemoteFile& file, const std::filesystem::path& dest, bool force,
                                 const FetchLog& log);

// fetch_file into data_dir/weights/<dataset>/<file name>; returns the path.
std::filesystem::path fetch_weights(const RemoteFile& file, const std::string& dataset,
                                    const std::filesystem::path& data_dir, bool force, const FetchLog& log);

// fetch_file of each list into data_dir/<relative_path()>; returns the paths in order.
std::vector<std::filesystem::path> fetch_faultlists(const std::vector<PublishedFaultList>& lists,
                                                    const std::filesystem::path& data_dir, bool force,
                                                    const FetchLog& log);

}  // namespace faultbench
