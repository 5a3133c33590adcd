// ImageSet: normalization as torchvision computes it, content hash, per-dataset constants,
// and the load_test_set entry point that picks the reader of each official layout.
#include <fmt/format.h>

#include <cstring>
#include <memory>

#include "faultbench/data/cifar.h"
#include "faultbench/data/dataset.h"
#include "faultbench/data/gtsrb.h"
#include "faultbench/data/layout.h"
#include "faultbench/data/npy.h"
#include "faultbench/error.h"
#include "faultbench/util/digest.h"

namespace faultbench {

Normalization dataset_normalization(const std::string& dataset) {
  // The reference's literals (SEED.md), rounded to float like torch.as_tensor(..., float32).
  auto make = [](std::array<double, 3> mean, std::array<double, 3> stdv) {
    Normalization n;
    for (int c = 0; c < 3; ++c) {
      n.mean[size_t(c)] = static_cast<float>(mean[size_t(c)]);
      n.std[size_t(c)] = static_cast<float>(stdv[size_t(c)]);
    }
    return n;
  };
  if (dataset == "cifar10") return make({0.4914, 0.4822, 0.4465}, {0.2023, 0.1994, 0.2010});
  if (dataset == "cifar100") {
    return make({0.5070751592371323, 0.48654887331495095, 0.4409178433670343},
                {0.2673342858792401, 0.2564384629170883, 0.27615047132568404});
  }
  if (dataset == "gtsrb") return make({0.3403, 0.3121, 0.3214}, {0.2724, 0.2608, 0.2669});
  throw UsageError(fmt::format("unknown dataset '{}' (expected cifar10, cifar100 or gtsrb)", dataset));
}

int dataset_classes(const std::string& dataset) {
  if (dataset == "cifar10") return 10;
  if (dataset == "cifar100") return 100;
  if (dataset == "gtsrb") return 43;
  throw UsageError(fmt::format("unknown dataset '{}' (expected cifar10, cifar100 or gtsrb)", dataset));
}

void ImageSet::normalize(int64_t first, int64_t count, float* out) const {
  if (first < 0 || count < 0 || first > size() || count > size() - first) {
    throw UsageError(
        fmt::format("{}: image range [{}, {}) outside the {} images", dataset, first, first + count, size()));
  }
  if (preprocessed) {
    const size_t bytes = size_t(shape.numel()) * sizeof(float);
    for (int64_t i = 0; i < count; ++i)
      std::memcpy(out + i * shape.numel(), preprocessed->data() + size_t(preprocessed_rows[size_t(first + i)]) * bytes,
                  bytes);
    return;
  }
  const int64_t plane = int64_t(shape.h) * shape.w;
  // ToTensor divides by 255 (fp32 IEEE division), Normalize subtracts the float mean and
  // divides by the float std: two separate correctly rounded operations, as torch does.
  // A lookup table per channel gives the same bits (the function of p is deterministic).
  std::vector<std::array<float, 256>> table(size_t(shape.c));
  for (int c = 0; c < shape.c; ++c) {
    const float m = norm.mean[size_t(c % 3)], s = norm.std[size_t(c % 3)];
    for (int p = 0; p < 256; ++p) {
      const float x = static_cast<float>(p) / 255.0f;
      table[size_t(c)][size_t(p)] = (x - m) / s;
    }
  }
  const uint8_t* src = pixels.data() + first * shape.numel();
  for (int64_t i = 0; i < count; ++i) {
    for (int c = 0; c < shape.c; ++c) {
      const auto& t = table[size_t(c)];
      for (int64_t k = 0; k < plane; ++k) *out++ = t[*src++];
    }
  }
}

std::string ImageSet::sha256() const {
  Digest digest(DigestAlgorithm::Sha256);
  const std::string header = fmt::format("{}:{}x{}x{}:{}:", dataset, shape.c, shape.h, shape.w, size());
  digest.update(header.data(), header.size());
  digest.update(pixels.data(), pixels.size());
  if (preprocessed) {
    const size_t bytes = size_t(shape.numel()) * sizeof(float);
    for (int64_t row : preprocessed_rows) digest.update(preprocessed->data() + size_t(row) * bytes, bytes);
  }
  for (int label : labels) {
    const uint32_t v = static_cast<uint32_t>(label);
    const unsigned char le[4] = {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)};
    digest.update(le, 4);
  }
  return digest.hex();
}

ImageSet load_test_set(const std::string& dataset, const std::filesystem::path& data_dir, int64_t max_images) {
  if (dataset == kNpyDataset) return read_npy_dataset(data_dir, max_images);
  const std::filesystem::path dir = locate_test_set(dataset, data_dir);
  if (dataset == "cifar10") {
    return read_cifar_binary(dir / "cifar-10-batches-bin" / "test_batch.bin", dataset, kCifarTestRecords, max_images);
  }
  if (dataset == "cifar100") {
    return read_cifar_binary(dir / "cifar-100-binary" / "test.bin", dataset, kCifarTestRecords, max_images);
  }
  return read_gtsrb_test(dir, max_images);
}

}  // namespace faultbench
