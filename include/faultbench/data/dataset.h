// Test sets of the reference benchmark (CIFAR-10, CIFAR-100, GTSRB) with the exact
// test-time preprocessing of the reference (../shared/spec/SEED.md):
//   ToTensor:  x = float(p) / 255.0f                      (fp32, IEEE division)
//   Normalize: x = (x - float(mean[c])) / float(std[c])   (fp32, mean/std rounded to float)
// which is what torchvision computes, bit for bit.
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "faultbench/tensor.h"

namespace faultbench {

// Per-channel normalization constants: the reference's double literals rounded to float
// (round to nearest), exactly as torch.as_tensor(mean, dtype=torch.float32) does.
struct Normalization {
  std::array<float, 3> mean{}, std{};
};

struct NpyFile;

// The tensor dataset: DIR/images.npy (float32 [N, C, H, W], already preprocessed) and
// DIR/labels.npy (int64 or int32 [N]), see load_test_set.
inline constexpr const char* kNpyDataset = "npy";

// Test images as 8-bit RGB CHW (already resized to 50x50 for GTSRB), plus labels.
// Kept as uint8 so that 10,000 CIFAR images take 30 MB; normalized to fp32 on demand.
// The npy dataset instead keeps its fp32 images in the memory-mapped file (`preprocessed`).
struct ImageSet {
  std::string dataset;  // "cifar10", "cifar100", "gtsrb", "npy"
  ValueShape shape;     // per-image [C, H, W]
  int classes = 0;
  std::vector<uint8_t> pixels;  // [size(), C, H, W]
  std::vector<int> labels;      // [size()], each in [0, classes)
  Normalization norm;
  // --dataset npy: `pixels` is empty; image i is row preprocessed_rows[i] of the mapped
  // [rows, C, H, W] float32 data, copied unchanged by normalize().
  std::shared_ptr<const NpyFile> preprocessed;
  std::vector<int64_t> preprocessed_rows;

  int64_t size() const { return int64_t(labels.size()); }
  // Pixels of image i: shape.numel() bytes, CHW (8-bit sets only).
  const uint8_t* image(int64_t i) const { return pixels.data() + i * shape.numel(); }

  // Writes images [first, first+count) normalized as torchvision does (npy: as stored), as an fp32
  // [count, C, H, W] block at `out`. Throws UsageError when the range is out of bounds.
  void normalize(int64_t first, int64_t count, float* out) const;

  // Lower-case hex SHA-256 over the dataset name, shape, pixels (npy: the fp32 bytes of the
  // images used) and labels (int32 LE):
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
//   npy:      DIR/images.npy and DIR/labels.npy themselves (memory-mapped, read_npy_dataset);
//             classes = the largest label + 1.
// max_images >= 0 keeps only the first max_images images; the whole file (CIFAR) or the
// whole ground-truth CSV (GTSRB) is still validated, so a truncated set is never reported
// as complete.
// FormatError / IoError name the file and record or line on bad input.
ImageSet load_test_set(const std::string& dataset, const std::filesystem::path& data_dir, int64_t max_images = -1);

// The npy dataset of `dir` (see kNpyDataset): images '<f4' of rank 4 with C, H, W >= 1, labels
// '<i8' or '<i4' of rank 1, as many as images, each in [0, kNpyMaxClasses); every image value
// finite. FormatError naming the file and the broken rule.
inline constexpr int64_t kNpyMaxClasses = 100000;
ImageSet read_npy_dataset(const std::filesystem::path& dir, int64_t max_images = -1);

// Whether the images and labels of `set` fit a model with per-image `input` and `classes`
// outputs: FormatError naming the file (images.npy / labels.npy under data_dir for the npy
// dataset), the images' and the model's shapes, or the first label outside [0, classes).
void check_images_fit_model(const ImageSet& set, const ValueShape& input, int classes,
                            const std::filesystem::path& data_dir);

class IoPlan;
// Adds what load_test_set reads under data_dir to `plan` as inputs: the CIFAR file, or the
// GTSRB ground truth (both places) and image folder, or the two npy files. Nothing for an unknown dataset (the
// loader reports it).
void add_test_set_inputs(IoPlan& plan, const std::string& dataset, const std::filesystem::path& data_dir);

}  // namespace faultbench
