// The strict .npy reader and the npy dataset (--dataset npy).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

#include "faultbench/data/dataset.h"
#include "faultbench/data/image_selection.h"
#include "faultbench/data/npy.h"
#include "faultbench/error.h"
#include "test_support.h"

namespace fb = faultbench;
namespace fs = std::filesystem;

namespace {

// A .npy file as numpy writes it: version major.0, `dict` padded to a multiple of 64 bytes.
std::string npy_bytes(const std::string& dict, const std::string& data, int major = 1) {
  const size_t prefix = major == 1 ? 10 : 12;
  std::string header = dict;
  while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += char(major);
  out += '\0';
  const size_t n = header.size();
  out += char(n & 0xff);
  out += char((n >> 8) & 0xff);
  if (major != 1) out += std::string(2, '\0');
  return out + header + data;
}

std::string floats(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4);
}
template <typename T>
std::string ints(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

fb::NpyArray parse(const std::string& bytes) {
  return fb::parse_npy({reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()}, "x.npy");
}

std::string parse_error(const std::string& bytes) {
  try {
    parse(bytes);
  } catch (const fb::FormatError& e) {
    return e.what();
  }
  return "(accepted)";
}

void write(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

const std::string kDict4 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 2, 2), }";

TEST(Npy, ParsesNumpysHeaderInEveryVersion) {
  const std::string data = floats({1, 2, 3, 4, 5, 6, 7, 8});
  for (int major : {1, 2, 3}) {
    const fb::NpyArray a = parse(npy_bytes(kDict4, data, major));
    EXPECT_EQ(a.dtype, fb::NpyDtype::Float32);
    EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 1, 2, 2}));
    EXPECT_EQ(a.numel, 8);
    EXPECT_EQ(a.data_offset % 64, 0u);
  }
  // Key order, quotes and the trailing comma are free; (n,) is a 1-D shape, () a scalar.
  EXPECT_EQ(
      parse(npy_bytes("{\"shape\": (3,), \"fortran_order\": False, \"descr\": \"<i8\"}", ints<int64_t>({1, 2, 3})))
          .shape,
      (std::vector<int64_t>{3}));
  EXPECT_EQ(parse(npy_bytes("{'descr': '<i4', 'fortran_order': False, 'shape': ()}", ints<int32_t>({7}))).numel, 1);
}

TEST(Npy, RejectsEveryBrokenRuleNamingIt) {
  const std::string data = floats({1, 2, 3, 4, 5, 6, 7, 8});
  const std::string good = npy_bytes(kDict4, data);
  EXPECT_EQ(parse_error("PK\x03\x04"), "x.npy: not a .npy file (it does not start with \\x93NUMPY)");
  std::string v4 = good;
  v4[6] = 4;
  EXPECT_EQ(parse_error(v4), "x.npy: .npy format version 4.0 is not supported (1.0, 2.0, 3.0)");
  EXPECT_EQ(parse_error(good.substr(0, 9)), "x.npy: truncated .npy file (9 bytes, ends inside the header length)");
  EXPECT_EQ(parse_error(good.substr(0, 40)), "x.npy: truncated .npy file (40 bytes, the header ends at byte 128)");
  std::string huge = good;
  huge[8] = char(0xff), huge[9] = char(0xff);
  EXPECT_EQ(parse_error(huge), "x.npy: .npy header of 65535 bytes is longer than the limit of 10000 bytes");
  EXPECT_EQ(parse_error(good.substr(0, good.size() - 4)),
            "x.npy: truncated data: 28 bytes after the header, shape [2, 1, 2, 2] of '<f4' (float32) needs 32 bytes");
  EXPECT_EQ(parse_error(good + "x"),
            "x.npy: oversized data: 33 bytes after the header, shape [2, 1, 2, 2] of '<f4' (float32) needs 32 bytes");
  EXPECT_EQ(parse_error(npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (8,)}", data)),
            "x.npy: descr '>f4' is not supported (supported: '<f4', '<i8', '<i4')");
  EXPECT_EQ(parse_error(npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (8,)}", data)),
            "x.npy: fortran_order True is not supported (save a C-order array: "
            "np.save(path, np.ascontiguousarray(a)))");
  EXPECT_EQ(parse_error(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (8)}", data)),
            "x.npy: .npy header, byte 62: a one-dimensional shape is written (n,)");
  EXPECT_EQ(parse_error(npy_bytes("{'descr': '<f4', 'fortran_order': False}", data)),
            "x.npy: .npy header, byte 64: the header dict lacks 'shape'");
  EXPECT_EQ(parse_error(npy_bytes("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (8,)}", data)),
            "x.npy: .npy header, byte 27: key 'descr' appears twice");
  EXPECT_EQ(parse_error(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (8,), 'x': 1}", data)),
            "x.npy: .npy header, byte 66: unexpected key 'x' (expected descr, fortran_order, shape)");
  EXPECT_EQ(parse_error(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-8,)}", data)),
            "x.npy: .npy header, byte 61: expected a non-negative integer");
  EXPECT_EQ(parse_error(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (8,)} x", data)),
            "x.npy: .npy header, byte 66: unexpected text after the header dict");
}

TEST(Npy, ShapeProductsThatOverflowAreRejected) {
  // 2^40 four times: the product overflows int64; the file has 0 data bytes.
  const std::string d = "1099511627776";
  EXPECT_EQ(parse_error(npy_bytes(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (" + d + ", " + d + ", " + d + ", " + d + ")}", "")),
            "x.npy: shape [1099511627776, 1099511627776, 1099511627776, 1099511627776] has too many elements");
  EXPECT_EQ(parse_error(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627777,)}", "")),
            "x.npy: .npy header, byte 73: dimension larger than 1099511627776");
  // A zero dimension makes an empty array, whatever the others.
  EXPECT_EQ(parse(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (0, " + d + ", " + d + ")}", "")).numel,
            0);
}

class NpyDataset : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fb::testing::make_temp_dir("npy_dataset");
    for (int i = 0; i < 6 * 12; ++i) pixels_.push_back(float(i) * 0.25f - 3.0f);
  }
  void write_set(const std::string& label_dict, const std::string& label_data) {
    write(dir_ / "images.npy",
          npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (6, 3, 2, 2), }", floats(pixels_)));
    write(dir_ / "labels.npy", npy_bytes(label_dict, label_data));
  }
  std::string load_error() {
    try {
      fb::read_npy_dataset(dir_);
    } catch (const fb::FormatError& e) {
      return e.what();
    }
    return "(accepted)";
  }
  fs::path dir_;
  std::vector<float> pixels_;
};

TEST_F(NpyDataset, LoadsMappedImagesUnchangedThroughEveryPath) {
  write_set("{'descr': '<i8', 'fortran_order': False, 'shape': (6,), }", ints<int64_t>({0, 1, 2, 0, 1, 2}));
  const fb::ImageSet set = fb::load_test_set("npy", dir_);
  EXPECT_EQ(set.dataset, "npy");
  EXPECT_EQ(set.size(), 6);
  EXPECT_EQ(set.classes, 3);
  EXPECT_TRUE(set.pixels.empty());
  std::vector<float> out(6 * 12);
  set.normalize(0, 6, out.data());
  EXPECT_EQ(out, pixels_);  // as stored, bit for bit
  EXPECT_THROW(set.normalize(5, 2, out.data()), fb::UsageError);

  // The first N, and a stratified subset (file rows 1 and 5 hold label 1 and 2...).
  EXPECT_EQ(fb::load_test_set("npy", dir_, 2).size(), 2);
  const fb::SelectedImages sel = fb::load_selected_images("npy", dir_, {fb::ImageSelectionKind::Stratified, 3, 0});
  ASSERT_EQ(sel.images.size(), 3);
  std::vector<float> sub(3 * 12);
  sel.images.normalize(0, 3, sub.data());
  for (int k = 0; k < 3; ++k)
    EXPECT_TRUE(
        std::equal(sub.begin() + 12 * k, sub.begin() + 12 * (k + 1), pixels_.begin() + 12 * sel.indices[size_t(k)]));

  // The digest covers the float data: one changed bit, another digest.
  const std::string digest = set.sha256();
  pixels_[7] = std::nextafter(pixels_[7], 100.0f);
  write(dir_ / "images.npy",
        npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (6, 3, 2, 2), }", floats(pixels_)));
  EXPECT_NE(fb::load_test_set("npy", dir_).sha256(), digest);
}

TEST_F(NpyDataset, Int32LabelsAreAccepted) {
  write_set("{'descr': '<i4', 'fortran_order': False, 'shape': (6,), }", ints<int32_t>({4, 1, 2, 0, 1, 2}));
  const fb::ImageSet set = fb::read_npy_dataset(dir_);
  EXPECT_EQ(set.labels, (std::vector<int>{4, 1, 2, 0, 1, 2}));
  EXPECT_EQ(set.classes, 5);
}

TEST_F(NpyDataset, RejectsLabelsThatDoNotMatchTheImages) {
  const std::string images = (dir_ / "images.npy").string(), labels = (dir_ / "labels.npy").string();
  write_set("{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }", ints<int64_t>({0, 1, 2, 0, 1}));
  EXPECT_EQ(load_error(), labels + ": 5 labels for the 6 images of " + images);
  write_set("{'descr': '<i8', 'fortran_order': False, 'shape': (6,), }", ints<int64_t>({0, 1, 2, -1, 1, 2}));
  EXPECT_EQ(load_error(), labels + ": label -1 of image 3 is outside [0, 100000)");
  write_set("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", floats({0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(load_error(), labels + ": labels must be '<i8' (int64) or '<i4' (int32), found '<f4' (float32)");
  write_set("{'descr': '<i8', 'fortran_order': False, 'shape': (3, 2), }", ints<int64_t>({0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(load_error(), labels + ": labels must have shape [N], found [3, 2]");
}

TEST_F(NpyDataset, RejectsImagesOfTheWrongKind) {
  const std::string images = (dir_ / "images.npy").string();
  write_set("{'descr': '<i8', 'fortran_order': False, 'shape': (6,), }", ints<int64_t>({0, 1, 2, 0, 1, 2}));
  write(dir_ / "images.npy",
        npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (6, 12), }", floats(pixels_)));
  EXPECT_EQ(load_error(), images + ": images must have shape [N, C, H, W], found [6, 12]");
  write(dir_ / "images.npy", npy_bytes("{'descr': '<i4', 'fortran_order': False, 'shape': (6, 3, 2, 2), }",
                                       ints<int32_t>(std::vector<int32_t>(72, 1))));
  EXPECT_EQ(load_error(), images + ": images must be '<f4' (float32), found '<i4' (int32)");
  pixels_[30] = std::numeric_limits<float>::quiet_NaN();
  write(dir_ / "images.npy",
        npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (6, 3, 2, 2), }", floats(pixels_)));
  EXPECT_EQ(load_error(), images + ": image 2 holds nan at element 6");
}

TEST_F(NpyDataset, ModelFitNamesTheFileAndBothShapes) {
  write_set("{'descr': '<i8', 'fortran_order': False, 'shape': (6,), }", ints<int64_t>({0, 1, 2, 0, 1, 9}));
  const fb::ImageSet set = fb::read_npy_dataset(dir_);
  fb::check_images_fit_model(set, {3, 2, 2}, 10, dir_);
  try {
    fb::check_images_fit_model(set, {3, 32, 32}, 10, dir_);
    FAIL();
  } catch (const fb::FormatError& e) {
    EXPECT_EQ(std::string(e.what()), (dir_ / "images.npy").string() +
                                         ": images of shape [N, 3, 2, 2] do not fit the model's input [N, 3, 32, 32]");
  }
  try {
    fb::check_images_fit_model(set, {3, 2, 2}, 5, dir_);
    FAIL();
  } catch (const fb::FormatError& e) {
    EXPECT_EQ(std::string(e.what()),
              (dir_ / "labels.npy").string() + ": label 9 of image 5 is not one of the model's 5 classes");
  }
}

TEST_F(NpyDataset, MissingFileIsAnIoError) { EXPECT_THROW(fb::read_npy_dataset(dir_ / "nowhere"), fb::IoError); }

}  // namespace
