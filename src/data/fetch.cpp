// `faultbench fetch`: catalog of official sources and the atomic download/verify/unpack
// sequence (see fetch.h).
#include "faultbench/data/fetch.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <system_error>

#include <unistd.h>

#include "faultbench/data/dataset.h"
#include "faultbench/data/transfer.h"
#include "faultbench/error.h"

namespace faultbench {

namespace fs = std::filesystem;

namespace {

constexpr const char* kCifarBase = "https://www.cs.toronto.edu/~kriz";
constexpr const char* kGtsrbBase = "https://sid.erda.dk/public/archives/daaeac0d7ce1152aea9b61d9f1e19370";
constexpr const char* kWeightsBase = "https://media.githubusercontent.com/media/cad-polito-it/dnn-benchmarks/main";

std::string join_url(const std::string& base, const std::string& rest) {
  std::string b = base;
  while (!b.empty() && b.back() == '/') b.pop_back();
  return b + "/" + rest;
}

// The checkpoints as published: torch/gpu/image_classification/<DATASET>/fp32/<dir>/<file>.
struct WeightsEntry {
  const char* dataset;  // CLI naming
  const char* model;    // CLI naming
  const char* dir;
  const char* file;
  const char* sha256;   // known digest of the published file, "" when not known here
};
constexpr WeightsEntry kWeights[] = {
    // sha256 of the published ResNet .th files as kept in ../shared/data/weights/cifar10.
    {"cifar10", "resnet20", "resnet", "ResNet20.th", "12fca82f0bebc4135bf1f32f6e3710e61d5108578464b84fd6d7f5c1b04036c8"},
    {"cifar10", "resnet32", "resnet", "ResNet32.th", "d509ac1820d7f25398913559d7e81a13229b1e7adc5648e3bfa5e22dc137f850"},
    {"cifar10", "resnet44", "resnet", "ResNet44.th", "014dd6541728a1c700b1642ab640e211dc6eb8ed507d70697458dc8f8a0ae2e4"},
    {"cifar10", "resnet56", "resnet", "ResNet56.th", ""},
    {"cifar10", "resnet110", "resnet", "ResNet110.th", ""},
    {"cifar10", "mobilenetv2", "mobilenet", "MobileNetV2.pt", ""},
    {"cifar10", "vgg11_bn", "vgg", "Vgg11_bn.pt", ""},
    {"cifar10", "vgg13_bn", "vgg", "Vgg13_bn.pt", ""},
    {"cifar10", "vgg16_bn", "vgg", "Vgg16_bn.pt", ""},
    {"cifar10", "vgg19_bn", "vgg", "Vgg19_bn.pt", ""},
    {"cifar10", "densenet121", "densenet", "DenseNet121.pt", ""},
    {"cifar10", "densenet161", "densenet", "DenseNet161.pt", ""},
    {"cifar10", "googlenet", "googlenet", "GoogLeNet.pt", ""},
    {"cifar100", "resnet18", "resnet", "ResNet18_CIFAR100.pth", ""},
    {"cifar100", "densenet121", "densenet", "DenseNet121_CIFAR100.pth", ""},
    {"cifar100", "googlenet", "googlenet", "GoogLeNet_CIFAR100.pth", ""},
    {"gtsrb", "resnet20", "resnet", "ResNet20_GTSRB.pt", ""},
    {"gtsrb", "densenet121", "densenet", "DenseNet121_GTSRB.pt", ""},
    {"gtsrb", "vgg11_bn", "vgg", "Vgg11_bn_GTSRB.pt", ""},
};

std::string repo_dataset_dir(const std::string& dataset) {
  if (dataset == "cifar10") return "CIFAR10";
  if (dataset == "cifar100") return "CIFAR100";
  if (dataset == "gtsrb") return "GTSRB";
  throw UsageError(fmt::format("unknown dataset '{}' (expected cifar10, cifar100 or gtsrb)", dataset));
}

// What each dataset's archives leave in place, relative to data_dir.
std::vector<fs::path> dataset_targets(const std::string& dataset) {
  if (dataset == "cifar10") return {"cifar-10-batches-bin"};
  if (dataset == "cifar100") return {"cifar-100-binary"};
  if (dataset == "gtsrb") return {fs::path("GTSRB") / "Final_Test", "GT-final_test.csv"};
  throw UsageError(fmt::format("unknown dataset '{}' (expected cifar10, cifar100 or gtsrb)", dataset));
}

// A new folder "<prefix>XXXXXX" made by mkdtemp (a fresh name: never a planted link or
// an existing folder), removed on every exit path.
struct TempDir {
  fs::path path;
  explicit TempDir(const fs::path& prefix) {
    std::string name = prefix.string() + "XXXXXX";
    if (::mkdtemp(name.data()) == nullptr)
      throw IoError(fmt::format("{}: cannot create a temporary folder: {}", name, std::strerror(errno)));
    path = name;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void fetch_one(const RemoteFile& f, const fs::path& dest, const FetchLog& log) {
  log(fmt::format("downloading {}", f.url));
  download_file(f.url, dest);
  if (f.digest.empty()) {
    log(fmt::format("warning: no published checksum for {}; sha256 {}", f.file_name, file_digest(dest, "sha256")));
  } else {
    verify_digest(dest, f.algorithm, f.digest);
    log(fmt::format("{}: {} ok", f.file_name, f.algorithm));
  }
}

}  // namespace

std::string resolve_mirror(const std::string& option_value) {
  if (!option_value.empty()) return option_value;
  const char* env = std::getenv("FAULTBENCH_MIRROR");
  return env ? std::string(env) : std::string();
}

std::vector<RemoteFile> dataset_archives(const std::string& dataset, const std::string& mirror) {
  auto make = [&](const char* base, const char* name, const char* md5) {
    return RemoteFile{name, join_url(mirror.empty() ? base : mirror, name), "md5", md5};
  };
  if (dataset == "cifar10") return {make(kCifarBase, "cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530")};
  if (dataset == "cifar100") return {make(kCifarBase, "cifar-100-binary.tar.gz", "03b5dce01913d631647c71ecec9e9cb8")};
  if (dataset == "gtsrb") {
    return {make(kGtsrbBase, "GTSRB_Final_Test_Images.zip", "c7e4e6327067d32654124b0fe9e82185"),
            make(kGtsrbBase, "GTSRB_Final_Test_GT.zip", "fe31e9c9270bbcd7b84b7f21a9d9d9e5")};
  }
  throw UsageError(fmt::format("unknown dataset '{}' (expected cifar10, cifar100 or gtsrb)", dataset));
}

RemoteFile weights_file(const std::string& model, const std::string& dataset, const std::string& mirror) {
  const std::string ds_dir = repo_dataset_dir(dataset);
  std::string choices;
  for (const auto& w : kWeights) {
    if (w.dataset != dataset) continue;
    if (w.model == model) {
      const std::string path = fmt::format("torch/gpu/image_classification/{}/fp32/{}/{}", ds_dir, w.dir, w.file);
      return RemoteFile{w.file, join_url(mirror.empty() ? kWeightsBase : mirror, path), "sha256", w.sha256};
    }
    choices += choices.empty() ? w.model : std::string(", ") + w.model;
  }
  throw UsageError(fmt::format("no reference checkpoint for model '{}' on {} (choices: {})", model, dataset, choices));
}

void fetch_dataset(const std::string& dataset, const fs::path& data_dir, const std::vector<RemoteFile>& archives,
                   bool force, const FetchLog& log) {
  const auto targets = dataset_targets(dataset);
  bool present = true;
  for (const auto& t : targets) present = present && fs::exists(data_dir / t);
  if (present && !force) {
    log(fmt::format("{}: already present in {} (use --force to download again)", dataset, data_dir.string()));
    return;
  }
  fs::create_directories(data_dir);
  TempDir tmp(data_dir / fmt::format(".faultbench-fetch-{}-", dataset));
  const fs::path unpack = tmp.path / "unpack";
  for (const auto& a : archives) {
    const fs::path file = tmp.path / a.file_name;
    fetch_one(a, file, log);
    const int64_t n = extract_archive(file, unpack);
    log(fmt::format("{}: {} files unpacked", a.file_name, n));
    fs::remove(file);  // keep the peak disk use near one copy
  }
  // The unpacked layout must load as a complete test set before it replaces anything.
  ImageSet check;
  try {
    check = load_test_set(dataset, unpack);
  } catch (const Error& e) {
    throw FormatError(fmt::format("{}: the downloaded archives do not hold a valid {} test set: {}",
                                  data_dir.string(), dataset, e.what()));
  }
  for (const auto& t : targets) {
    const fs::path src = unpack / t, dst = data_dir / t;
    fs::create_directories(dst.parent_path());
    if (fs::exists(dst)) {
      const fs::path old = tmp.path / "old" / t;
      fs::create_directories(old.parent_path());
      fs::rename(dst, old);
    }
    fs::rename(src, dst);
  }
  log(fmt::format("{}: {} test images in {} (sha256 {})", dataset, check.size(), data_dir.string(), check.sha256()));
}

fs::path fetch_weights(const RemoteFile& file, const std::string& dataset, const fs::path& data_dir, bool force,
                       const FetchLog& log) {
  const fs::path dir = data_dir / "weights" / dataset;
  const fs::path dest = dir / file.file_name;
  if (fs::exists(dest) && !force) {
    if (!file.digest.empty()) verify_digest(dest, file.algorithm, file.digest);
    log(fmt::format("{}: already present (use --force to download again)", dest.string()));
    return dest;
  }
  fs::create_directories(dir);
  const fs::path tmp = dir / (file.file_name + ".download");
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code ec;
      fs::remove(p, ec);
    }
  } cleanup{tmp};
  fetch_one(file, tmp, log);
  // A Git LFS pointer instead of the object means the URL bypassed the LFS media server.
  {
    std::ifstream in(tmp, std::ios::binary);
    std::string head(40, '\0');
    in.read(head.data(), std::streamsize(head.size()));
    if (head.rfind("version https://git-lfs", 0) == 0) {
      throw FormatError(fmt::format("{}: {} is a Git LFS pointer, not the checkpoint (use the LFS media URL)",
                                    file.url, file.file_name));
    }
  }
  std::error_code ec;
  fs::rename(tmp, dest, ec);
  if (ec) throw IoError(fmt::format("{}: cannot rename to {}: {}", tmp.string(), dest.string(), ec.message()));
  log(fmt::format("saved {}", dest.string()));
  return dest;
}

}  // namespace faultbench
