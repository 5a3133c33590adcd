// ImageSet::normalize against torchvision's ToTensor + Normalize computed by torch
// (tools/torch_normalize_oracle.py under /usr/bin/python3), bit for bit.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>

#include "faultbench/data/dataset.h"
#include "faultbench/error.h"
#include "test_support.h"

namespace fb = faultbench;
namespace fs = std::filesystem;

namespace {

bool python_has(const std::string& module) {
  const std::string cmd = "/usr/bin/python3 -c 'import " + module + "' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

// Two images: the first holds every byte value 0..255 in each channel, the second random.
fb::ImageSet sample_set(const std::string& dataset, int side) {
  fb::ImageSet set;
  set.dataset = dataset;
  set.shape = fb::ValueShape{3, side, side};
  set.classes = fb::dataset_classes(dataset);
  set.norm = fb::dataset_normalization(dataset);
  std::mt19937 rng(7);
  const int64_t n = set.shape.numel();
  set.pixels.resize(size_t(2 * n));
  for (int64_t k = 0; k < n; ++k) set.pixels[size_t(k)] = uint8_t(k % 256);
  for (int64_t k = n; k < 2 * n; ++k) set.pixels[size_t(k)] = uint8_t(rng());
  set.labels = {0, 1};
  return set;
}

}  // namespace

TEST(Normalize, MatchesTorchBitForBit) {
  if (!python_has("torch")) GTEST_SKIP() << "/usr/bin/python3 has no torch: skipping oracle";
  for (const std::string dataset : {"cifar10", "cifar100", "gtsrb"}) {
    const int side = dataset == "gtsrb" ? 50 : 32;
    auto set = sample_set(dataset, side);
    auto dir = fb::testing::make_temp_dir("norm");
    {
      std::ofstream out(dir / "in.u8", std::ios::binary);
      out.write(reinterpret_cast<const char*>(set.pixels.data()), std::streamsize(set.pixels.size()));
    }
    const std::string cmd = "/usr/bin/python3 " +
                            (fb::testing::source_dir() / "tools" / "torch_normalize_oracle.py").string() + " " +
                            dataset + " " + (dir / "in.u8").string() + " 3 " + std::to_string(side) + " " +
                            std::to_string(side) + " " + (dir / "out.f32").string();
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::vector<float> expected(set.pixels.size());
    std::ifstream in(dir / "out.f32", std::ios::binary);
    in.read(reinterpret_cast<char*>(expected.data()), std::streamsize(expected.size() * 4));
    ASSERT_TRUE(in) << "oracle output too short";
    std::vector<float> got(set.pixels.size());
    set.normalize(0, 2, got.data());
    int mismatches = 0;
    for (size_t k = 0; k < got.size(); ++k) {
      uint32_t a, b;
      std::memcpy(&a, &got[k], 4);
      std::memcpy(&b, &expected[k], 4);
      if (a != b && ++mismatches < 5)
        ADD_FAILURE() << dataset << " element " << k << ": " << got[k] << " vs torch " << expected[k];
    }
    EXPECT_EQ(mismatches, 0) << dataset;
    // A sub-range writes the same values as the full range.
    std::vector<float> second(size_t(set.shape.numel()));
    set.normalize(1, 1, second.data());
    EXPECT_EQ(0, std::memcmp(second.data(), got.data() + set.shape.numel(), second.size() * 4));
    fs::remove_all(dir);
  }
}

TEST(Normalize, KnownValueAndRangeChecks) {
  auto set = sample_set("cifar10", 32);
  std::vector<float> out(size_t(set.shape.numel()));
  set.normalize(0, 1, out.data());
  // Pixel value 0 of channel 0: (0 - 0.4914f) / 0.2023f.
  EXPECT_EQ(out[0], (0.0f - 0.4914f) / 0.2023f);
  EXPECT_EQ(out[255], (1.0f - 0.4914f) / 0.2023f);
  EXPECT_THROW(set.normalize(1, 2, out.data()), fb::UsageError);
  EXPECT_THROW(set.normalize(-1, 1, out.data()), fb::UsageError);
}
