// --dataset npy through the CLI: the same images as a CIFAR-10 file, saved preprocessed as
// images.npy, give the same logits and the same RESULTS.csv; the campaign sidecar names the
// files, and a resume against other npy files is refused.
#include <gtest/gtest.h>

#include <fstream>

#include "cli_fixture.h"
#include "faultbench/data/image_selection.h"

namespace faultbench {
namespace {

using testing::cli_setup;
using testing::run_cli;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A .npy file of `data` (numpy's layout: header padded to 64 bytes).
void write_npy(const std::filesystem::path& p, const std::string& descr, const std::string& shape, const void* data,
               size_t bytes) {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY\x01";
  out += '\0';
  out += char(header.size() & 0xff);
  out += char(header.size() >> 8);
  out += header;
  out.append(static_cast<const char*>(data), bytes);
  std::ofstream(p, std::ios::binary) << out;
}

constexpr int kImages = 8;

struct NpySetup {
  std::filesystem::path dir, weights, faults, npy;
};

// ResNet32 (in the zoo once, so it runs on npy data by name) with random weights, the first
// kImages images of the fixture's CIFAR-10 file normalized into images.npy, a random list.
const NpySetup& npy_setup() {
  static const NpySetup s = [] {
    NpySetup n;
    n.dir = testing::make_temp_dir("npy-campaign");
    Graph g = build_model("resnet32", "cifar10");
    testing::randomize_weights(g, 31);
    n.weights = n.dir / "w.safetensors";
    write_safetensors(g, n.weights);
    FaultList list;
    list.faults = testing::random_faults(g, 24, 5);
    n.faults = n.dir / "faults.csv";
    write_fault_list(n.faults, list);
    const ImageSet set = load_test_set("cifar10", cli_setup().data, kImages);
    std::vector<float> x(size_t(kImages) * 3072);
    set.normalize(0, kImages, x.data());
    std::vector<int64_t> labels(set.labels.begin(), set.labels.end());
    n.npy = n.dir / "npy";
    std::filesystem::create_directories(n.npy);
    write_npy(n.npy / "images.npy", "<f4", "(8, 3, 32, 32)", x.data(), x.size() * 4);
    write_npy(n.npy / "labels.npy", "<i8", "(8,)", labels.data(), labels.size() * 8);
    return n;
  }();
  return s;
}

std::vector<std::string> campaign(const std::string& dataset, const std::filesystem::path& data,
                                  const std::filesystem::path& out, const std::string& mode, int threads) {
  const NpySetup& s = npy_setup();
  return {"campaign",
          "--model",
          "resnet32",
          "--dataset",
          dataset,
          "--weights",
          s.weights.string(),
          "--data-dir",
          data.string(),
          "--faults",
          s.faults.string(),
          "--out",
          out.string(),
          "--first-images",
          std::to_string(kImages),
          "--mode",
          mode,
          "--threads",
          std::to_string(threads)};
}

TEST(NpyCampaign, SameImagesAsNpyGiveTheSameLogitsAndResults) {
  const NpySetup& s = npy_setup();
  const auto out = testing::make_temp_dir("npy-campaign-out");
  auto r = run_cli(campaign("cifar10", cli_setup().data, out / "cifar.csv", "fast", 2));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string reference = slurp(out / "cifar.csv");
  ASSERT_FALSE(reference.empty());
  for (auto [mode, threads] : {std::pair{"fast", 2}, {"fast", 1}, {"brute-force", 1}, {"brute-force", 2}}) {
    const auto path = out / (std::string(mode) + std::to_string(threads) + ".csv");
    r = run_cli(campaign("npy", s.npy, path, mode, threads));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(slurp(path), reference) << mode << " threads " << threads;
  }
  // eval: the same logits, digit for digit (index and label columns included).
  for (auto [dataset, data] : {std::pair{std::string("cifar10"), cli_setup().data}, {std::string("npy"), s.npy}}) {
    r = run_cli({"eval", "--model", "resnet32", "--dataset", dataset, "--weights", s.weights.string(), "--data-dir",
                 data.string(), "--first-images", std::to_string(kImages), "--logits",
                 (out / (dataset + ".logits.csv")).string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  EXPECT_EQ(slurp(out / "npy.logits.csv"), slurp(out / "cifar10.logits.csv"));
}

TEST(NpyCampaign, SidecarNamesTheFilesAndAResumeOnOtherFilesIsRefused) {
  const NpySetup& s = npy_setup();
  const auto out = testing::make_temp_dir("npy-campaign-resume");
  auto r = run_cli(campaign("npy", s.npy, out / "R.csv", "fast", 1));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto sidecar = nlohmann::json::parse(slurp(out / "R.csv.json"));
  EXPECT_EQ(sidecar["dataset"], "npy");
  ASSERT_EQ(sidecar["data"]["files"].size(), 2u);
  EXPECT_EQ(sidecar["data"]["files"][0]["path"], (s.npy / "images.npy").string());
  EXPECT_EQ(sidecar["data"]["files"][0]["sha256"].get<std::string>().size(), 64u);

  // Other npy files: one changed value in an image the campaign uses.
  const auto other = out / "other";
  std::filesystem::create_directories(other);
  std::filesystem::copy_file(s.npy / "labels.npy", other / "labels.npy");
  std::string images = slurp(s.npy / "images.npy");
  images[images.size() - 2] ^= 1;
  std::ofstream(other / "images.npy", std::ios::binary) << images;
  // A journal left by an interrupted run on the first files is not resumed on the others.
  std::filesystem::remove(out / "R.csv");
  std::filesystem::remove(out / "R.csv.json");
  auto crashing = campaign("npy", s.npy, out / "R.csv", "fast", 1);
  crashing.insert(crashing.end(), {"--fault-batch", "3"});
  r = run_cli(crashing, {"FAULTBENCH_TEST_CRASH_AFTER_RECORDS=1"});
  ASSERT_NE(r.exit_code, 0);
  ASSERT_TRUE(std::filesystem::exists(out / "R.csv.journal"));
  r = run_cli(campaign("npy", other, out / "R.csv", "fast", 1));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("the test data (sha256) changed"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace faultbench
