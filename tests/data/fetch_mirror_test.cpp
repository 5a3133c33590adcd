// `fetch` from a local mirror (a plain folder or a file:// URL) and the published fault
// lists: mirror resolution, the catalog's checksums, the library sequence and the CLI.
// Never touches the network.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>

#include "data/fixtures.h"
#include "data/http_server.h"
#include "faultbench/data/fetch.h"
#include "faultbench/data/transfer.h"
#include "faultbench/error.h"
#include "faultbench/zoo/zoo.h"
#include "test_support.h"

namespace fb = faultbench;
namespace fs = std::filesystem;
using fb::testing::LocalHttpServer;
using fb::testing::write_bytes;

namespace {

const std::string kResnetDir = "torch/gpu/image_classification/CIFAR10/fp32/resnet/";
const fb::FetchLog quiet = [](const std::string&) {};

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Every entry under `dir`, recursively, relative to it.
std::set<std::string> tree(const fs::path& dir) {
  std::set<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) out.insert(fs::relative(e.path(), dir).string());
  return out;
}

struct CliResult {
  int exit_code;
  std::string out, err;
};

// Runs `faultbench ARGS` in `cwd` with FAULTBENCH_MIRROR unset.
CliResult run_cli(const std::string& args, const fs::path& cwd) {
  const std::string cmd = "cd '" + cwd.string() + "' && env -u FAULTBENCH_MIRROR '" + fb::testing::cli_path().string() +
                          "' " + args + " >.out 2>.err";
  const int rc = std::system(cmd.c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, read_text(cwd / ".out"), read_text(cwd / ".err")};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The message of the fb::Error that f() throws, "" when none.
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const fb::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(FetchMirror, ResolvesUrlsFileUrlsAndFolders) {
  auto root = fb::testing::make_temp_dir("mirror-resolve");
  fs::create_directories(root / "plain");
  fs::create_directories(root / "with space%");
  write_bytes(root / "afile", "x");
  ::unsetenv("FAULTBENCH_MIRROR");
  EXPECT_EQ(fb::resolve_mirror(""), "");
  EXPECT_EQ(fb::resolve_mirror("https://m.example/x/"), "https://m.example/x/");
  EXPECT_EQ(fb::resolve_mirror("HTTP://m.example"), "HTTP://m.example");
  const std::string canon = fs::canonical(root).string();
  EXPECT_EQ(fb::resolve_mirror((root / "plain").string()), "file://" + canon + "/plain");
  EXPECT_EQ(fb::resolve_mirror((root / "plain" / ".." / "plain").string()), "file://" + canon + "/plain");
  EXPECT_EQ(fb::resolve_mirror((root / "with space%").string()), "file://" + canon + "/with%20space%25");
  EXPECT_EQ(fb::resolve_mirror("file://" + canon + "/with%20space%25/"), "file://" + canon + "/with%20space%25/");
  // A relative folder is taken from the working directory.
  const fs::path cwd = fs::current_path();
  fs::current_path(root);
  EXPECT_EQ(fb::resolve_mirror("plain"), "file://" + canon + "/plain");
  fs::current_path(cwd);
  // The environment variable when the option is empty, named in its errors.
  ::setenv("FAULTBENCH_MIRROR", (root / "plain").c_str(), 1);
  EXPECT_EQ(fb::resolve_mirror(""), "file://" + canon + "/plain");
  EXPECT_EQ(fb::resolve_mirror("http://other"), "http://other");
  ::setenv("FAULTBENCH_MIRROR", (root / "gone").c_str(), 1);
  EXPECT_TRUE(contains(error_of([] { fb::resolve_mirror(""); }), "FAULTBENCH_MIRROR=" + (root / "gone").string()));
  ::unsetenv("FAULTBENCH_MIRROR");
  // Missing folders, a file, other schemes, a file:// URL with a host.
  const std::string missing = error_of([&] { fb::resolve_mirror((root / "gone").string()); });
  EXPECT_TRUE(contains(missing, "no such folder " + (root / "gone").string())) << missing;
  EXPECT_THROW(fb::resolve_mirror((root / "gone").string()), fb::IoError);
  EXPECT_THROW(fb::resolve_mirror("file://" + canon + "/gone"), fb::IoError);
  EXPECT_TRUE(contains(error_of([&] { fb::resolve_mirror((root / "afile").string()); }), "is not a folder"));
  EXPECT_THROW(fb::resolve_mirror("ftp://m.example/x"), fb::UsageError);
  EXPECT_THROW(fb::resolve_mirror("file://host/srv/mirror"), fb::UsageError);
  fs::remove_all(root);
}

TEST(FetchMirror, CatalogHasAChecksumAndSizeForEveryFile) {
  auto is_hex64 = [](const std::string& s) {
    return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
  };
  // Every zoo pair with a published fault list also has a published checkpoint.
  int checkpoints = 0;
  for (const fb::ModelInfo& m : fb::zoo_models()) {
    if (m.fault_list.empty()) continue;
    const fb::RemoteFile w = fb::weights_file(m.model, m.dataset);
    EXPECT_EQ(w.algorithm, "sha256");
    EXPECT_TRUE(is_hex64(w.digest)) << m.model << " " << m.dataset;
    EXPECT_GT(w.size, 0) << m.model;
    const bool lfs = !w.file_name.ends_with(".th");
    EXPECT_TRUE(w.url.starts_with(lfs ? "https://media.githubusercontent.com/media/cad-polito-it/dnn-benchmarks/main/"
                                      : "https://raw.githubusercontent.com/cad-polito-it/dnn-benchmarks/main/"))
        << w.url;
    // The torch list of each such pair is the one the zoo names.
    const auto lists = fb::published_faultlists(m.dataset, m.model, false);
    ASSERT_EQ(lists.size(), 1u) << m.model;
    EXPECT_EQ(lists[0].file.file_name, m.fault_list);
    ++checkpoints;
  }
  EXPECT_EQ(checkpoints, 15);
  EXPECT_EQ(fb::weights_file("resnet32", "cifar10").size, 1890043);
  EXPECT_THROW(fb::weights_file("resnet56", "cifar10"), fb::UsageError);  // not published
  // 15 torch and 15 Keras lists, all from the raw host, sha256 and size known.
  for (bool keras : {false, true}) {
    const auto all = fb::published_faultlists("", "", keras);
    EXPECT_EQ(all.size(), 15u);
    for (const auto& l : all) {
      EXPECT_TRUE(is_hex64(l.file.digest)) << l.file.file_name;
      EXPECT_GT(l.file.size, 0);
      EXPECT_TRUE(l.file.url.starts_with("https://raw.githubusercontent.com/cad-polito-it/dnn-benchmarks/main/" +
                                         std::string(keras ? "tensorflow/" : "torch/")))
          << l.file.url;
      EXPECT_EQ(l.framework, keras ? "tensorflow" : "torch");
    }
  }
  const auto r20 = fb::published_faultlists("cifar10", "resnet20", false, "file:///srv/m/");
  ASSERT_EQ(r20.size(), 1u);
  EXPECT_EQ(r20[0].file.url, "file:///srv/m/" + kResnetDir + "ResNet20_FL.csv");
  EXPECT_EQ(r20[0].file.digest, "9da4d78b88bd779510ae655c02450aeed0bded52e9902b3d4fd6cad8ed99b35c");
  EXPECT_EQ(r20[0].relative_path(), fs::path("faultlists/torch/CIFAR10/ResNet20_FL.csv"));
  const auto tf = fb::published_faultlists("cifar100", "googlenet", true);
  ASSERT_EQ(tf.size(), 1u);
  EXPECT_EQ(tf[0].relative_path(), fs::path("faultlists/tensorflow/CIFAR100/googlenet_cifar100_TF_FL.csv"));
  EXPECT_EQ(fb::published_faultlists("gtsrb", "", false).size(), 3u);
  EXPECT_EQ(fb::published_faultlists("", "resnet20", false).size(), 2u);  // CIFAR-10 and GTSRB
  EXPECT_THROW(fb::published_faultlists("cifar10", "resnet56", false), fb::UsageError);
  EXPECT_THROW(fb::published_faultlists("mnist", "", false), fb::UsageError);
}

TEST(FetchMirror, FaultListsFromAFolderMirror) {
  auto root = fb::testing::make_temp_dir("mirror-lists");
  const fs::path mirror = root / "mirror", data = root / "data";
  const std::string body = "Injection,Layer,TensorIndex,Bit\n0,conv1,\"(0, 0, 0, 0)\",3\n";
  write_bytes(mirror / kResnetDir / "Mine_FL.csv", body);
  write_bytes(root / "digest-of", body);
  const std::string sha = fb::file_digest(root / "digest-of", "sha256");
  const std::string base = fb::resolve_mirror(mirror.string());
  auto list = [&](const std::string& name, const std::string& digest) {
    return fb::PublishedFaultList{
        "cifar10", "mine", "torch",
        fb::RemoteFile{name, base + "/" + kResnetDir + name, "sha256", digest, int64_t(body.size())}};
  };
  const auto paths = fb::fetch_faultlists({list("Mine_FL.csv", sha)}, data, false, quiet);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0], data / "faultlists" / "torch" / "CIFAR10" / "Mine_FL.csv");
  EXPECT_EQ(read_text(paths[0]), body);
  EXPECT_EQ(tree(data / "faultlists" / "torch" / "CIFAR10"), std::set<std::string>{"Mine_FL.csv"});
  // Present and intact: kept, the mirror is not read (its copy is gone now).
  fs::remove(mirror / kResnetDir / "Mine_FL.csv");
  EXPECT_NO_THROW(fb::fetch_faultlists({list("Mine_FL.csv", sha)}, data, false, quiet));
  // --force reads the mirror again: the missing file is named by its URL; the old copy stays.
  const std::string missing = error_of([&] { fb::fetch_faultlists({list("Mine_FL.csv", sha)}, data, true, quiet); });
  EXPECT_TRUE(contains(missing, base + "/" + kResnetDir + "Mine_FL.csv")) << missing;
  EXPECT_EQ(read_text(paths[0]), body);
  // A copy that differs from the published digest: refused, nothing written, no folder made.
  write_bytes(mirror / kResnetDir / "Other_FL.csv", body);
  auto other = list("Other_FL.csv", std::string(64, '0'));
  other.dataset = "gtsrb";
  const std::string bad = error_of([&] { fb::fetch_faultlists({other}, data, false, quiet); });
  EXPECT_TRUE(contains(bad, "sha256 checksum mismatch: expected " + std::string(64, '0') + ", found " + sha)) << bad;
  EXPECT_FALSE(fs::exists(data / "faultlists" / "torch" / "GTSRB"));
  // Larger than the published size: refused while reading.
  auto small = list("Other_FL.csv", sha);
  small.file.size = 10;
  EXPECT_TRUE(
      contains(error_of([&] { fb::fetch_faultlists({small}, data, true, quiet); }), "larger than the 10 bytes"));
  // An existing copy that no longer matches is reported, not silently kept.
  write_bytes(paths[0], "edited\n");
  EXPECT_TRUE(contains(error_of([&] { fb::fetch_faultlists({list("Mine_FL.csv", sha)}, data, false, quiet); }),
                       "--force downloads it again"));
  // A symbolic link at the destination (here a dangling one) is refused, neither followed nor replaced.
  write_bytes(mirror / kResnetDir / "Mine_FL.csv", body);
  fs::remove(paths[0]);
  fs::create_symlink(root / "victim.csv", paths[0]);
  EXPECT_THROW(fb::fetch_faultlists({list("Mine_FL.csv", sha)}, data, false, quiet), fb::IoError);
  EXPECT_TRUE(fs::is_symlink(paths[0]));
  EXPECT_FALSE(fs::exists(root / "victim.csv"));
  fs::remove_all(root);
}

TEST(FetchMirror, ServerCannotRedirectToALocalFile) {
  auto root = fb::testing::make_temp_dir("mirror-redirect");
  write_bytes(root / "secret.txt", "local secret");
  write_bytes(root / "www" / "ok.txt.redirect", "/real.txt\n");
  write_bytes(root / "www" / "real.txt", "served");
  write_bytes(root / "www" / "evil.txt.redirect", "file://" + (root / "secret.txt").string() + "\n");
  LocalHttpServer server(root / "www");
  fb::download_file(server.base_url() + "/ok.txt", root / "ok.txt");  // http -> http is followed
  EXPECT_EQ(read_text(root / "ok.txt"), "served");
  EXPECT_THROW(fb::download_file(server.base_url() + "/evil.txt", root / "evil.txt"), fb::IoError);
  EXPECT_FALSE(fs::exists(root / "evil.txt"));
  fs::remove_all(root);
}

TEST(FetchMirror, CliCheckpointFromFolderAndFileUrl) {
  if (!fs::exists(fb::testing::cli_path())) GTEST_SKIP() << "faultbench CLI not built";
  FAULTBENCH_REQUIRE_DATA(ref);
  auto root = fb::testing::make_temp_dir("mirror-cli-w");
  const fs::path mirror = root / "mirror";
  fs::create_directories(mirror / kResnetDir);
  fs::copy_file(ref / "weights" / "cifar10" / "ResNet20.th", mirror / kResnetDir / "ResNet20.th");
  const std::string args = "fetch --weights --model resnet20 --dataset cifar10 --data-dir ROOT --mirror ";
  // A folder, relative to the working directory.
  auto r = run_cli(args + "mirror", root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ROOT/weights/cifar10/ResNet20.th\n");
  EXPECT_EQ(fb::file_digest(root / "ROOT/weights/cifar10/ResNet20.th", "sha256"),
            "12fca82f0bebc4135bf1f32f6e3710e61d5108578464b84fd6d7f5c1b04036c8");
  // A file:// URL, downloading again.
  r = run_cli(args + "file://" + fs::canonical(mirror).string() + " --force", root);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "ResNet20.th: sha256 ok")) << r.err;
  // A corrupted copy (one byte changed): refused, naming both digests; the good file stays.
  std::string bytes = read_text(mirror / kResnetDir / "ResNet20.th");
  bytes[1000] = char(bytes[1000] ^ 1);
  write_bytes(mirror / kResnetDir / "ResNet20.th", bytes);
  write_bytes(root / "bad", bytes);
  r = run_cli(args + "mirror --force", root);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err,
                       "sha256 checksum mismatch: expected "
                       "12fca82f0bebc4135bf1f32f6e3710e61d5108578464b84fd6d7f5c1b04036c8, found " +
                           fb::file_digest(root / "bad", "sha256")))
      << r.err;
  EXPECT_EQ(tree(root / "ROOT" / "weights"), (std::set<std::string>{"cifar10", "cifar10/ResNet20.th"}));
  EXPECT_EQ(fb::file_digest(root / "ROOT/weights/cifar10/ResNet20.th", "sha256"),
            "12fca82f0bebc4135bf1f32f6e3710e61d5108578464b84fd6d7f5c1b04036c8");
  fs::remove_all(root);
}

TEST(FetchMirror, CliFaultListAndMirrorErrors) {
  if (!fs::exists(fb::testing::cli_path())) GTEST_SKIP() << "faultbench CLI not built";
  auto root = fb::testing::make_temp_dir("mirror-cli-fl");
  fs::create_directories(root / "mirror");
  // A mirror folder that does not exist: exit 1, naming it.
  auto r = run_cli("fetch --faultlists --dataset cifar10 --model resnet20 --data-dir ROOT --mirror nowhere", root);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "--mirror nowhere: no such folder " + (fs::canonical(root) / "nowhere").string()))
      << r.err;
  // A file missing from the mirror: exit 1, naming its URL.
  r = run_cli("fetch --faultlists --dataset cifar10 --model resnet20 --data-dir ROOT --mirror mirror", root);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "file://" + fs::canonical(root / "mirror").string() + "/" + kResnetDir +
                                  "ResNet20_FL.csv: download failed"))
      << r.err;
  EXPECT_FALSE(fs::exists(root / "ROOT" / "faultlists"));
  // Usage mistakes: exit 2.
  EXPECT_EQ(run_cli("fetch --faultlists --weights --model resnet20 --dataset cifar10 --data-dir ROOT", root).exit_code,
            2);
  EXPECT_EQ(run_cli("fetch --keras --dataset cifar10 --data-dir ROOT", root).exit_code, 2);
  EXPECT_EQ(run_cli("fetch --data-dir ROOT", root).exit_code, 2);
  // The published ResNet20 list, as kept in the reference data (byte-identical).
  if (auto ref = fb::testing::reference_data_dir()) {
    fs::create_directories(root / "mirror" / kResnetDir);
    fs::copy_file(*ref / "faultlists/torch/CIFAR10/ResNet20_FL.csv", root / "mirror" / kResnetDir / "ResNet20_FL.csv");
    r = run_cli("fetch --faultlists --dataset cifar10 --model resnet20 --data-dir ROOT --mirror mirror", root);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "ROOT/faultlists/torch/CIFAR10/ResNet20_FL.csv\n");
    EXPECT_EQ(fb::file_digest(root / "ROOT/faultlists/torch/CIFAR10/ResNet20_FL.csv", "sha256"),
              "9da4d78b88bd779510ae655c02450aeed0bded52e9902b3d4fd6cad8ed99b35c");
  } else {
    std::printf("FAULTBENCH_DATA not set: skipping the published ResNet20 list\n");
  }
  fs::remove_all(root);
}
