// `faultbench fetch`: the catalog of official sources, with the published checksums and
// sizes (see fetch.h).
#include <fmt/format.h>

#include <algorithm>

#include "faultbench/data/fetch.h"
#include "faultbench/error.h"

namespace faultbench {

namespace fs = std::filesystem;

namespace {

constexpr const char* kCifarBase = "https://www.cs.toronto.edu/~kriz";
constexpr const char* kGtsrbBase = "https://sid.erda.dk/public/archives/daaeac0d7ce1152aea9b61d9f1e19370";
// GitHub serves Git LFS objects only from the media host; the raw host gives their pointer
// files. Plain blobs come from the raw host.
constexpr const char* kRepoLfsBase = "https://media.githubusercontent.com/media/cad-polito-it/dnn-benchmarks/main";
constexpr const char* kRepoRawBase = "https://raw.githubusercontent.com/cad-polito-it/dnn-benchmarks/main";

std::string join_url(const std::string& base, const std::string& rest) {
  std::string b = base;
  while (!b.empty() && b.back() == '/') b.pop_back();
  return b + "/" + rest;
}

// A file of the repository at <framework>/gpu/image_classification/<DATASET>/fp32/<dir>/<file>.
struct RepoEntry {
  const char* dataset;  // CLI naming
  const char* model;    // CLI naming
  const char* dir;
  const char* file;
  const char* sha256;  // of the published file: the blob's, or the oid of its LFS pointer
  int64_t size;        // bytes, from the same place
  bool lfs;            // stored with Git LFS (media host) or as a plain blob (raw host)
};

// Every torch checkpoint of the repository. The ResNet .th files are plain blobs; the
// others are Git LFS objects, whose pointer gives the digest and size of the real file.
constexpr RepoEntry kWeights[] = {
    {"cifar10", "resnet20", "resnet", "ResNet20.th", "12fca82f0bebc4135bf1f32f6e3710e61d5108578464b84fd6d7f5c1b04036c8",
     1099231, false},
    {"cifar10", "resnet32", "resnet", "ResNet32.th", "d509ac1820d7f25398913559d7e81a13229b1e7adc5648e3bfa5e22dc137f850",
     1890043, false},
    {"cifar10", "resnet44", "resnet", "ResNet44.th", "014dd6541728a1c700b1642ab640e211dc6eb8ed507d70697458dc8f8a0ae2e4",
     2680855, false},
    {"cifar10", "mobilenetv2", "mobilenet", "MobileNetV2.pt",
     "761655c737615a2da93bc41ec5f4df675dbdf67ccfda4a1d1c6284a2aebff6e3", 9442897, true},
    {"cifar10", "vgg11_bn", "vgg", "Vgg11_bn.pt", "b92b952ecd5337b132bbdd668e25974308e7733e9b4cb2fa8677591d21d5c0d1",
     112640861, true},
    {"cifar10", "vgg13_bn", "vgg", "Vgg13_bn.pt", "bdc0bcff22b283688296765fa0db0f96783f46a4e16c2e7b85e3609890722234",
     113386587, true},
    {"cifar10", "densenet121", "densenet", "DenseNet121.pt",
     "8d5c7e8d0383f660de7201d1b29c9964c0f4393394e6066460bee04a68f01173", 28435902, true},
    {"cifar10", "densenet161", "densenet", "DenseNet161.pt",
     "595235a14e4f88c13873deb2dbe481bdf3d3e8ccceccf7a9aa1f3a6deb8f59a1", 107177326, true},
    {"cifar10", "googlenet", "googlenet", "GoogLeNet.pt",
     "190ed2881ac6755eda62b17833d623b8052bd2e4693170fb64e78f632c34bcbb", 22139739, true},
    {"cifar100", "resnet18", "resnet", "ResNet18_CIFAR100.pth",
     "fe825ea916e345b97530df9a38f6913cccecfe2a745d7b5798594d70ff080e0f", 44963876, true},
    {"cifar100", "densenet121", "densenet", "DenseNet121_CIFAR100.pth",
     "1b1a8bc518e25ff2d18002419a0d1648906c0d4631beb679e2baf16c8577f525", 28837422, true},
    {"cifar100", "googlenet", "googlenet", "GoogLeNet_CIFAR100.pth",
     "47dd468521b75b70f3313cdeeb66143b912ae6a920f5d05acd23456718633931", 25828614, true},
    {"gtsrb", "resnet20", "resnet", "ResNet20_GTSRB.pt",
     "94e19473ce86b93e48b92bddff1d51f0546d98618baaaf272f6f3499f875ede5", 1133178, true},
    {"gtsrb", "densenet121", "densenet", "DenseNet121_GTSRB.pt",
     "4ab223efbcfd6d4bc7180c78369a55266c1931e58b855f83cc262a49ef66a1f9", 28594192, true},
    {"gtsrb", "vgg11_bn", "vgg", "Vgg11_bn_GTSRB.pt",
     "84925779cdc7ec9d54dcee138a079c96713bb42e6ab1591ae6419248fd46aef5", 113182656, true},
};

// The published torch fault lists, with the published result columns of every model.
constexpr RepoEntry kTorchLists[] = {
    {"cifar10", "resnet20", "resnet", "ResNet20_FL.csv",
     "9da4d78b88bd779510ae655c02450aeed0bded52e9902b3d4fd6cad8ed99b35c", 934482, false},
    {"cifar10", "resnet32", "resnet", "ResNet32_FL.csv",
     "1511b0ca1ecd603c4988148ca8a46d3f5a2a5ba7056a0aa10793a75e27bcfc9c", 935047, false},
    {"cifar10", "resnet44", "resnet", "ResNet44_FL.csv",
     "0498a1fa5e045b9578c6fa29abc0723230ac95993675189541bb3b6fc50977ff", 935851, false},
    {"cifar10", "mobilenetv2", "mobilenet", "Mobilenetv2_FL.csv",
     "87640846e5d8c233c51418225f342aaf027380d123b9fd9c32b1831137d0129a", 944939, false},
    {"cifar10", "vgg11_bn", "vgg", "Vgg11_bn_FL.csv",
     "6de210caba4bfb11c9891ff60110e99874e333e786d4006b935c54cdd32e5dc5", 887572, false},
    {"cifar10", "vgg13_bn", "vgg", "Vgg13_bn_FL.csv",
     "22490d3e0679cc9a90e96d641493205498c25259feb60de6bc80b285b791e533", 887508, false},
    {"cifar10", "densenet121", "densenet", "DenseNet121_FL.csv",
     "bf67e43f9c7c7423a2d102a5d6d4b166de811438e3e5b5c67164bb82fc1b40a7", 1332322, false},
    {"cifar10", "densenet161", "densenet", "DenseNet161_FL.csv",
     "ac59524fe9477ca6fc9cfc2417fa64290912e1cf85f579424ebaa8ad9803ae68", 1348273, false},
    {"cifar10", "googlenet", "googlenet", "GoogLeNet_FL.csv",
     "7cd08dcf2386927cdd056c53ae825714eb6341cd962120797c5e42022d2a21c4", 1141220, false},
    {"cifar100", "resnet18", "resnet", "ResNet18_CIFAR100_FL.csv",
     "f591201b45f0bcba3646bfd305aff37c8065f7273a38df9b038743ceda462de2", 1217565, false},
    {"cifar100", "densenet121", "densenet", "DenseNet121_CIFAR100_FL.csv",
     "34789e1246a7e4bbe73c23315783c629b94f4bc12d5539fbf6aa391db87bf43d", 1673794, false},
    {"cifar100", "googlenet", "googlenet", "GoogLeNet_CIFAR100_FL.csv",
     "7a373bb1ea6b72ed6e6e67f05bbbe75fe8ce5dca1d24a0f54668860f94c48f1d", 842228, false},
    {"gtsrb", "resnet20", "resnet", "ResNet20_GTSRB_FL.csv",
     "4a2e240255b805b80edc776a99561f317b3598ed8625885b66c964d60ea29ba7", 928902, false},
    {"gtsrb", "densenet121", "densenet", "DenseNet121_GTSRB_FL.csv",
     "de0f1690f2557022d0a902b6e0a795f13a05eb8f4a673768ad02d9de008526b7", 1665952, false},
    {"gtsrb", "vgg11_bn", "vgg", "Vgg11_bn_GTSRB_FL.csv",
     "6f023b1037b9b6a2eb3538e75bc7fc8da9099d4b9a77b98df49764fad3336e82", 880959, false},
};

// The published Keras fault lists.
constexpr RepoEntry kKerasLists[] = {
    {"cifar10", "resnet20", "resnet", "ResNet20_TF_FL.csv",
     "775ce872871aea206301282ac0d9cc42f87537c052b4b5b446dc9035dee3775d", 572202, false},
    {"cifar10", "resnet32", "resnet", "ResNet32_TF_FL.csv",
     "15f7bb0e19ee90894c987a58c9cb0cb582715f81dd5fd94ed7eebb05f550cc38", 574188, false},
    {"cifar10", "resnet44", "resnet", "ResNet44_TF_FL.csv",
     "8b16fef42566afed012539d1d51043de37e9c42f50876f1fc47bf8d6dd28e36b", 574725, false},
    {"cifar10", "mobilenetv2", "mobilenet", "mobilenetv2_cifar10_TF_FL.csv",
     "2a4a9db8312c0c80c898327b8b6f3dfd0908ece0b3a4f4e9cc56bc4fccfcf52c", 600582, false},
    {"cifar10", "vgg11_bn", "vgg", "Vgg11_bn_TF_FL.csv",
     "2507aa05aa2860f248acada937c3070ad556cc3d66629973ff1de94101b90df1", 530922, false},
    {"cifar10", "vgg13_bn", "vgg", "Vgg13_bn_TF_FL.csv",
     "db75e2e142bff84b207ac83043ca8b98245f841c88e77e3247f5fe7eeaaf345a", 531058, false},
    {"cifar10", "densenet121", "densenet", "DenseNet121_TF_FL.csv",
     "ea241dd773f63eb88fffdc31319482b8eea8f9ec915107b086f2c47dd3ecfd99", 595874, false},
    {"cifar10", "densenet161", "densenet", "DenseNet161_TF_FL.csv",
     "ee7d975fd8c15da256bc7fa402249112b9f9f93d5e97eadbbc68e5bd92202c07", 614930, false},
    {"cifar10", "googlenet", "googlenet", "googlenet_cifar10_TF_FL.csv",
     "971ad28295cf7758d56f1d4cc9c432ba34f5d5d6eefed01bf5b87453c478ab37", 612551, false},
    {"cifar100", "resnet18", "resnet", "ResNet18_TF_FL.csv",
     "8b842111ffdc3b9d9c4e4618e5796237483242ab602fde13ff921c80f36ef41f", 603727, false},
    {"cifar100", "densenet121", "densenet", "DenseNet121_TF_FL.csv",
     "6cd9624b2afb4d4a9ea10c8fe36ebed58da43ded14239f9beffcc72b864ec2c7", 594110, false},
    {"cifar100", "googlenet", "googlenet", "googlenet_cifar100_TF_FL.csv",
     "65709f7871b932c23aab30a1b37bc3daa5c4529072a70b03eebac8e5b3384fb1", 608879, false},
    {"gtsrb", "resnet20", "resnet", "ResNet20_TF_FL.csv",
     "c20c06596b6b119199b83dd7dcf26ee8c79bceb64681bd42323904a1e615520a", 571023, false},
    {"gtsrb", "densenet121", "densenet", "DenseNet121_TF_FL.csv",
     "8859307ba99711b37a1e766c3995362a97b24ecdc3385c49b35715e3c9530424", 595992, false},
    {"gtsrb", "vgg11_bn", "vgg", "Vgg11_bn_TF_FL.csv",
     "67902157e89c317917d9005e15d8b0ee6a9fdbdc1ecc67f01d698467e2eeb796", 530670, false},
};

const char* kUnknownDataset = "unknown dataset '{}' (expected cifar10, cifar100 or gtsrb)";

std::string repo_dataset_dir(const std::string& dataset) {
  if (dataset == "cifar10") return "CIFAR10";
  if (dataset == "cifar100") return "CIFAR100";
  if (dataset == "gtsrb") return "GTSRB";
  throw UsageError(fmt::format(fmt::runtime(kUnknownDataset), dataset));
}

RemoteFile repo_file(const RepoEntry& e, const std::string& framework, const std::string& mirror) {
  const std::string path =
      fmt::format("{}/gpu/image_classification/{}/fp32/{}/{}", framework, repo_dataset_dir(e.dataset), e.dir, e.file);
  const char* official = e.lfs ? kRepoLfsBase : kRepoRawBase;
  return RemoteFile{e.file, join_url(mirror.empty() ? official : mirror, path), "sha256", e.sha256, e.size};
}

// "a, b, c": the distinct models of the table's entries for `dataset` ("" for all).
template <size_t N>
std::string model_choices(const RepoEntry (&table)[N], const std::string& dataset) {
  std::vector<std::string> seen;
  std::string out;
  for (const auto& e : table) {
    if ((!dataset.empty() && e.dataset != dataset) || std::find(seen.begin(), seen.end(), e.model) != seen.end())
      continue;
    seen.push_back(e.model);
    out += out.empty() ? e.model : std::string(", ") + e.model;
  }
  return out;
}

}  // namespace

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
  throw UsageError(fmt::format(fmt::runtime(kUnknownDataset), dataset));
}

RemoteFile weights_file(const std::string& model, const std::string& dataset, const std::string& mirror) {
  repo_dataset_dir(dataset);  // an unknown dataset is named as such
  for (const auto& w : kWeights)
    if (w.dataset == dataset && w.model == model) return repo_file(w, "torch", mirror);
  throw UsageError(fmt::format("no reference checkpoint for model '{}' on {} (choices: {})", model, dataset,
                               model_choices(kWeights, dataset)));
}

fs::path PublishedFaultList::relative_path() const {
  return fs::path("faultlists") / framework / repo_dataset_dir(dataset) / file.file_name;
}

std::vector<PublishedFaultList> published_faultlists(const std::string& dataset, const std::string& model, bool keras,
                                                     const std::string& mirror) {
  if (!dataset.empty()) repo_dataset_dir(dataset);
  const std::string framework = keras ? "tensorflow" : "torch";
  std::vector<PublishedFaultList> out;
  auto collect = [&](const auto& table) {
    for (const RepoEntry& e : table) {
      if ((dataset.empty() || e.dataset == dataset) && (model.empty() || e.model == model))
        out.push_back({e.dataset, e.model, framework, repo_file(e, framework, mirror)});
    }
    if (out.empty()) {
      throw UsageError(fmt::format("no published {} fault list for model '{}'{} (choices: {})",
                                   keras ? "Keras" : "torch", model, dataset.empty() ? "" : " on " + dataset,
                                   model_choices(table, dataset)));
    }
  };
  if (keras)
    collect(kKerasLists);
  else
    collect(kTorchLists);
  return out;
}

}  // namespace faultbench
