// Test sets of the reference benchmark (CIFAR-10, CIFAR-100, GTSRB) with the exact
// test-time preprocessing of the reference (../shared/spec/SEED.md):
//   ToTensor:  x = float(p) / 255.0f                      (fp32, IEEE division)
//   Normalize: x = (x - float(mean[c])) / float(std[c])   (fp32, mean/std rounded to float)
// which is what torchvision computes, bit for bit.
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "faultbench/tensor.h"

namespace faultbench {

// Per-channel normalization constants: the reference's double literals rounded to float
// (round to nearest), exactly as torch.as_tensor(mean, dtype=torch.float32) does.
struct Normalization {
  std::array<float, 3> mean{}, std{};
};

// Test images as 8-bit RGB CHW (already resized to 50x50 for GTSRB), plus labels.
// Kept as uint8 so that 10,000 CIFAR images take 30 MB; normalized to fp32 on demand.
struct ImageSet {
  std::string dataset;  // "cifar10", "cifar100", "gtsrb"
  ValueShape shape;     // per-image [C, H, W]
  int classes = 0;
  std::vector<uint8_t> pixels;  // [size(), C, H, W]
  std::vector<int> labels;      // [size()], each in [0, classes)
  Normalization norm;

  int64_t size() const { return int64_t(labels.size()); }
  // Pixels of image i: shape.numel() bytes, CHW.
  const uint8_t* image(int64_t i) const { return pixels.data() + i * shape.numel(); }

  // Writes images [first, first+count) normalized as torchvision does, as an fp32
  // [count, C, H, W] block at `out`. Throws UsageError when the range is out of bounds.
  void normalize(int64_t first, int64_t count, float* out) const;

  // Lower-case hex SHA-256 over the dataset name, shape, pixels and labels (int32 LE):
  // recorded by campaigns to tie results to the exact input data.
  std::string sha256() const;
};

// The normalization constants and class count of a dataset name (cifar10|cifar100|gtsrb);
// UsageError for an unknown name.
Normalization dataset_normalization(const std::string& dataset);
int dataset_classes(const std::string& dataset);

// Loads the official test set from its official layout in the folder that
// locate_test_set(dataset, data_dir) finds (data/layout.h: data_dir or one sub-folder):
//   cifar10:  DIR/cifar-10-batches-bin/test_batch.bin
//   cifar100: DIR/cifar-100-binary/test.bin (fine labels)
//   gtsrb:    DIR/GTSRB/Final_Test/Images/*.ppm + GT-final_test.csv (in DIR or beside the
//             images), in CSV order, resized to 50x50 as Pillow's bilinear resize does.
// max_images >= 0 keeps only the first max_images images; the whole file (CIFAR) or the
// whole ground-truth CSV (GTSRB) is still validated, so a truncated set is never reported
// as complete.
// FormatError / IoError name the file and record or line on bad input.
ImageSet load_test_set(const std::string& dataset, const std::filesystem::path& data_dir, int64_t max_images = -1);

class IoPlan;
// Adds what load_test_set reads under data_dir to `plan` as inputs: the CIFAR file, or the
// GTSRB ground truth (both places) and image folder. Nothing for an unknown dataset (the
// loader reports it).
void add_test_set_inputs(IoPlan& plan, const std::string& dataset, const std::filesystem::path& data_dir);

}  // namespace faultbench
