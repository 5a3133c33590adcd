// GTSRB: Pillow-exact resize (oracle: Debian's Pillow via tools/pil_resize_oracle.py), the
// reader on generated files in the official layout, and bad input.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

#include "data/fixtures.h"
#include "faultbench/data/dataset.h"
#include "faultbench/data/gtsrb.h"
#include "faultbench/data/pil_resize.h"
#include "faultbench/data/ppm.h"
#include "faultbench/error.h"
#include "test_support.h"

namespace fb = faultbench;
namespace fs = std::filesystem;
using fb::testing::random_image;
using fb::testing::write_bytes;
using fb::testing::write_ppm;

namespace {

constexpr const char* kHeader = "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\r\n";

std::string csv_line(const std::string& name, int w, int h, int label) {
  return name + ";" + std::to_string(w) + ";" + std::to_string(h) + ";5;5;" + std::to_string(w - 5) + ";" +
         std::to_string(h - 5) + ";" + std::to_string(label) + "\r\n";
}

struct Generated {
  std::vector<std::string> files;
  std::vector<int> labels;
  std::vector<std::vector<uint8_t>> pixels;  // planar originals
  std::vector<std::pair<int, int>> sizes;    // (w, h)
};

// Writes n random images of random sizes in [15, 250] in the official layout, with the
// ground truth in DIR (or beside the images).
Generated make_gtsrb(const fs::path& dir, int n, uint32_t seed, bool csv_beside_images = false) {
  std::mt19937 rng(seed);
  Generated g;
  const fs::path images = dir / "GTSRB" / "Final_Test" / "Images";
  std::string csv = kHeader;
  for (int i = 0; i < n; ++i) {
    int w = 15 + int(rng() % 236), h = 15 + int(rng() % 236);
    if (i % 4 == 0) h = w;  // square ones, plus the exact-size and one-pass cases below
    if (i == 1) w = h = 50;
    if (i == 2) {
      w = 50;
      h = 120;
    }
    if (i == 3) {
      w = 17;
      h = 50;
    }
    char name[32];
    std::snprintf(name, sizeof name, "%05d.ppm", i);
    auto px = random_image(w, h, rng);
    write_ppm(images / name, w, h, px);
    const int label = int(rng() % 43);
    csv += csv_line(name, w, h, label);
    g.files.push_back((images / name).string());
    g.labels.push_back(label);
    g.pixels.push_back(std::move(px));
    g.sizes.emplace_back(w, h);
  }
  write_bytes((csv_beside_images ? images : dir) / "GT-final_test.csv", csv);
  return g;
}

// Pillow's 50x50 bilinear resize of each file, planar [n, 3, 50, 50].
std::vector<uint8_t> pillow_oracle(const fs::path& dir, const std::vector<std::string>& files) {
  std::string cmd = "/usr/bin/python3 " + (fb::testing::source_dir() / "tools" / "pil_resize_oracle.py").string() +
                    " " + (dir / "oracle.u8").string() + " 50";
  for (const auto& f : files) cmd += " " + f;
  cmd += " > " + (dir / "oracle.txt").string();
  if (std::system(cmd.c_str()) != 0) return {};
  std::vector<uint8_t> out(files.size() * 7500);
  std::ifstream in(dir / "oracle.u8", std::ios::binary);
  in.read(reinterpret_cast<char*>(out.data()), std::streamsize(out.size()));
  if (!in) return {};
  return out;
}

template <class E, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "(no exception of the expected type)";
}

}  // namespace

// The acceptance test: >= 200 random sizes in GTSRB's range, byte-identical to
// Pillow, through the full reader (PPM -> resize) in the official layout.
TEST(Gtsrb, ResizeMatchesPillowOn240Images) {
  if (!fb::testing::python_has("PIL")) GTEST_SKIP() << "/usr/bin/python3 has no PIL: skipping oracle";
  auto dir = fb::testing::make_temp_dir("gtsrb-pil");
  const int n = 240;
  auto g = make_gtsrb(dir, n, 11);
  auto expected = pillow_oracle(dir, g.files);
  ASSERT_EQ(expected.size(), size_t(n) * 7500) << "Pillow oracle failed";
  {
    std::ifstream v(dir / "oracle.txt");
    std::string version;
    std::getline(v, version);
    std::printf("oracle: Pillow %s\n", version.c_str());
  }
  auto set = fb::load_test_set("gtsrb", dir);
  ASSERT_EQ(set.size(), n);
  EXPECT_EQ(set.shape, (fb::ValueShape{3, 50, 50}));
  int bad_images = 0;
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(set.labels[size_t(i)], g.labels[size_t(i)]);
    if (std::memcmp(set.image(i), expected.data() + size_t(i) * 7500, 7500) != 0) {
      int diff = 0;
      for (int k = 0; k < 7500; ++k) diff += set.image(i)[k] != expected[size_t(i) * 7500 + size_t(k)];
      ADD_FAILURE() << "image " << i << " (" << g.sizes[size_t(i)].first << "x" << g.sizes[size_t(i)].second
                    << "): " << diff << " bytes differ from Pillow";
      if (++bad_images > 5) break;
    }
  }
  fs::remove_all(dir);
}

TEST(Gtsrb, ResizeIdentityAndConstantImages) {
  std::mt19937 rng(3);
  auto px = random_image(50, 50, rng);
  EXPECT_EQ(fb::pil_resize_bilinear(px.data(), 3, 50, 50, 50, 50), px);
  // A constant image stays constant at any scale (weights sum to one after rounding).
  for (auto [w, h] : {std::pair{15, 15}, {250, 250}, {37, 211}}) {
    std::vector<uint8_t> c(size_t(3 * w * h), 200);
    for (uint8_t v : fb::pil_resize_bilinear(c.data(), 3, h, w, 50, 50)) ASSERT_EQ(v, 200) << w << "x" << h;
  }
  EXPECT_THROW(fb::pil_resize_bilinear(px.data(), 3, 0, 50, 50, 50), fb::UsageError);
}

TEST(Gtsrb, ReaderKnownLabelsCsvBesideImagesAndMaxImages) {
  auto dir = fb::testing::make_temp_dir("gtsrb-small");
  auto g = make_gtsrb(dir, 6, 5, /*csv_beside_images=*/true);
  auto set = fb::load_test_set("gtsrb", dir);
  ASSERT_EQ(set.size(), 6);
  EXPECT_EQ(set.labels, g.labels);
  EXPECT_EQ(set.classes, 43);
  // Image 1 is already 50x50: the resize is the identity.
  EXPECT_EQ(0, std::memcmp(set.image(1), g.pixels[1].data(), 7500));
  auto head = fb::load_test_set("gtsrb", dir, 2);
  ASSERT_EQ(head.size(), 2);
  EXPECT_EQ(0, std::memcmp(head.pixels.data(), set.pixels.data(), 2 * 7500));
  fs::remove_all(dir);
}

TEST(Gtsrb, BadCsvAndMissingFiles) {
  auto dir = fb::testing::make_temp_dir("gtsrb-bad");
  auto g = make_gtsrb(dir, 3, 9);
  const fs::path csv = dir / "GT-final_test.csv";
  auto rows = [&](const std::string& extra) {
    std::string s = kHeader;
    for (int i = 0; i < 3; ++i)
      s += csv_line(fs::path(g.files[size_t(i)]).filename().string(), g.sizes[size_t(i)].first,
                    g.sizes[size_t(i)].second, g.labels[size_t(i)]);
    write_bytes(csv, s + extra);
  };
  // Missing file on line 5 (header is line 1), even when only 1 image is requested.
  rows(csv_line("00099.ppm", 30, 30, 1));
  auto e = error_of<fb::FormatError>([&] { fb::load_test_set("gtsrb", dir, 1); });
  EXPECT_NE(e.find("line 5"), std::string::npos) << e;
  EXPECT_NE(e.find("00099.ppm"), std::string::npos) << e;
  // Malformed line (too few fields).
  rows("00000.ppm;30;30\r\n");
  e = error_of<fb::FormatError>([&] { fb::load_test_set("gtsrb", dir); });
  EXPECT_NE(e.find("line 5"), std::string::npos) << e;
  // Label out of range, non-integer label, path traversal.
  rows(csv_line("00000.ppm", g.sizes[0].first, g.sizes[0].second, 43));
  e = error_of<fb::FormatError>([&] { fb::load_test_set("gtsrb", dir); });
  EXPECT_NE(e.find("ClassId 43 out of range"), std::string::npos) << e;
  rows("00000.ppm;1;1;0;0;1;1;x7\r\n");
  EXPECT_THROW(fb::load_test_set("gtsrb", dir), fb::FormatError);
  rows(csv_line("../x.ppm", 30, 30, 1));
  e = error_of<fb::FormatError>([&] { fb::load_test_set("gtsrb", dir); });
  EXPECT_NE(e.find("not a plain file name"), std::string::npos) << e;
  // Width/Height disagreeing with the image.
  rows(csv_line("00000.ppm", g.sizes[0].first + 1, g.sizes[0].second, 1));
  e = error_of<fb::FormatError>([&] { fb::load_test_set("gtsrb", dir); });
  EXPECT_NE(e.find("line 5"), std::string::npos) << e;
  // Bad header.
  write_bytes(csv, "Name;Class\r\n00000.ppm;1\r\n");
  e = error_of<fb::FormatError>([&] { fb::load_test_set("gtsrb", dir); });
  EXPECT_NE(e.find("line 1"), std::string::npos) << e;
  // Header only.
  write_bytes(csv, kHeader);
  EXPECT_THROW(fb::load_test_set("gtsrb", dir), fb::FormatError);
  // No ground truth anywhere.
  fs::remove(csv);
  EXPECT_THROW(fb::load_test_set("gtsrb", dir), fb::IoError);
  fs::remove_all(dir);
}

// Sizes and regions that cannot be, refused for every row (not only the loaded ones);
// the shared CSV reader's BOM and NUL rules hold for the ground truth too.
TEST(Gtsrb, ImpossibleGeometryBomAndNul) {
  auto dir = fb::testing::make_temp_dir("gtsrb-geometry");
  auto g = make_gtsrb(dir, 2, 5);
  const fs::path csv = dir / "GT-final_test.csv";
  const std::string good = csv_line("00000.ppm", g.sizes[0].first, g.sizes[0].second, g.labels[0]);
  auto error_with = [&](const std::string& row) {
    write_bytes(csv, kHeader + good + row);
    return error_of<fb::FormatError>([&] { fb::load_test_set("gtsrb", dir, 1); });
  };
  const std::string where = csv.string() + ": line 3: ";
  EXPECT_EQ(error_with("00001.ppm;0;20;1;1;5;5;1\r\n"), where + "Width 0 is not positive");
  EXPECT_EQ(error_with("00001.ppm;20;-3;1;1;5;5;1\r\n"), where + "Height -3 is not positive");
  const std::string rule = " image (0 <= X1 <= X2 <= Width, 0 <= Y1 <= Y2 <= Height)";
  EXPECT_EQ(error_with("00001.ppm;20;20;6;1;5;5;1\r\n"),
            where + "ROI (6,1)-(5,5) is not a region inside the 20x20" + rule);
  EXPECT_EQ(error_with("00001.ppm;20;20;1;1;5;21;1\r\n"),
            where + "ROI (1,1)-(5,21) is not a region inside the 20x20" + rule);
  EXPECT_EQ(error_with("00001.ppm;20;20;-1;1;5;5;1\r\n"),
            where + "ROI (-1,1)-(5,5) is not a region inside the 20x20" + rule);
  EXPECT_EQ(error_with(std::string("00001.ppm;20;20;1;1;5;5;1\0\r\n", 28)),
            csv.string() + ":3: NUL byte in CSV (a binary file, or text in UTF-16? expected UTF-8 or ASCII text)");
  // A byte order mark (Excel) and quoted fields are accepted.
  write_bytes(csv, "\xEF\xBB\xBF" + std::string(kHeader) + "\"00000.ppm\"" + good.substr(9));
  EXPECT_EQ(fb::load_test_set("gtsrb", dir).size(), 1);
  fs::remove_all(dir);
}

TEST(Ppm, BadHeadersAndLengths) {
  auto dir = fb::testing::make_temp_dir("ppm");
  const auto f = dir / "x.ppm";
  std::string data(2 * 3 * 3, 'a');
  write_bytes(f, "P6\n# comment\n3 2\n255\n" + data);
  auto img = fb::read_ppm(f);
  EXPECT_EQ(img.width, 3);
  EXPECT_EQ(img.height, 2);
  struct Case {
    std::string bytes, needle;
  };
  const std::vector<Case> cases = {
      {"P3\n3 2\n255\n" + data, "P6"},
      {"P6\n3 2\n65535\n" + data, "maxval 65535"},
      {"P6\n0 2\n255\n", "outside"},
      {"P6\n99999 99999\n255\n", "outside"},
      {"P6\n3 2\n255\n" + data.substr(1), "found 17"},
      {"P6\n3 2\n255\n" + data + "x", "found 19"},
      {"P6\nthree 2\n255\n" + data, "width"},
      {"P6", "whitespace"},
      {"", "P6"},
  };
  for (const auto& c : cases) {
    write_bytes(f, c.bytes);
    auto e = error_of<fb::FormatError>([&] { fb::read_ppm(f); });
    EXPECT_NE(e.find(c.needle), std::string::npos) << e << " | for " << c.bytes.substr(0, 20);
    EXPECT_NE(e.find("x.ppm"), std::string::npos) << e;
  }
  fs::remove_all(dir);
}

// Random corruption of a valid file: the parser either accepts it or throws FormatError,
// never crashes or allocates from a bogus size (run under ASan in CI).
TEST(Ppm, MutatedHeadersNeverCrash) {
  std::mt19937 rng(99);
  std::string good = "P6\n# c\n7 5\n255\n" + std::string(7 * 5 * 3, '\x7f');
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string s = good;
    const int edits = 1 + int(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      const size_t pos = rng() % 16;  // the header region
      switch (rng() % 3) {
        case 0: s[pos] = char(rng()); break;
        case 1: s.erase(pos, 1); break;
        default: s.insert(pos, 1, char("0123456789 #\n"[rng() % 13])); break;
      }
    }
    std::vector<uint8_t> bytes(s.begin(), s.end());
    try {
      auto img = fb::parse_ppm(bytes, "mutant.ppm");
      ASSERT_EQ(img.pixels.size(), size_t(img.width) * size_t(img.height) * 3);
      ++accepted;
    } catch (const fb::FormatError&) {
    }
  }
  EXPECT_LT(accepted, 3000);
}
