// CIFAR-10 / CIFAR-100 binary reader (format: see cifar.h).
#include "faultbench/data/cifar.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <system_error>

#include "faultbench/error.h"

namespace faultbench {

namespace {
constexpr int kCifar100CoarseClasses = 20;
}  // namespace

ImageSet read_cifar_binary(const std::filesystem::path& file, const std::string& dataset, int64_t expected_records,
                           int64_t max_images) {
  int label_bytes = 0;
  if (dataset == "cifar10") {
    label_bytes = 1;
  } else if (dataset == "cifar100") {
    label_bytes = 2;
  } else {
    throw UsageError(fmt::format("read_cifar_binary: unknown CIFAR dataset '{}'", dataset));
  }
  if (expected_records < 0) throw UsageError("read_cifar_binary: negative expected record count");

  ImageSet set;
  set.dataset = dataset;
  set.shape = ValueShape{3, 32, 32};
  set.classes = dataset_classes(dataset);
  set.norm = dataset_normalization(dataset);
  const int64_t image_bytes = set.shape.numel();
  const int64_t record_bytes = label_bytes + image_bytes;

  // Check the size before allocating anything: the size decides the allocation.
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) throw IoError(fmt::format("{}: cannot stat: {}", file.string(), ec.message()));
  const int64_t expected_size = expected_records * record_bytes;
  if (int64_t(size) != expected_size) {
    const char* what = int64_t(size) < expected_size ? "truncated" : "oversized";
    throw FormatError(fmt::format("{}: {} {} binary: {} bytes, expected {} records of {} bytes = {} bytes{}",
                                  file.string(), what, dataset, size, expected_records, record_bytes, expected_size,
                                  int64_t(size) % record_bytes != 0
                                      ? fmt::format(" (last record {} is incomplete)", int64_t(size) / record_bytes)
                                      : ""));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot open for reading", file.string()));

  const int64_t keep = max_images < 0 ? expected_records : std::min<int64_t>(max_images, expected_records);
  set.pixels.resize(size_t(keep * image_bytes));
  set.labels.resize(size_t(keep));
  std::vector<char> record(static_cast<size_t>(record_bytes));
  for (int64_t r = 0; r < expected_records; ++r) {
    if (!in.read(record.data(), record_bytes)) {
      throw IoError(fmt::format("{}: read failed at record {} (byte offset {})", file.string(), r, r * record_bytes));
    }
    if (label_bytes == 2 && static_cast<uint8_t>(record[0]) >= kCifar100CoarseClasses) {
      throw FormatError(fmt::format("{}: record {} (byte offset {}): coarse label {} out of range [0, {})",
                                    file.string(), r, r * record_bytes, static_cast<uint8_t>(record[0]),
                                    kCifar100CoarseClasses));
    }
    const int label = static_cast<uint8_t>(record[size_t(label_bytes - 1)]);  // fine label last
    if (label >= set.classes) {
      throw FormatError(fmt::format("{}: record {} (byte offset {}): label {} out of range [0, {})", file.string(), r,
                                    r * record_bytes + label_bytes - 1, label, set.classes));
    }
    if (r < keep) {
      set.labels[size_t(r)] = label;
      std::copy(record.begin() + label_bytes, record.end(),
                reinterpret_cast<char*>(set.pixels.data()) + r * image_bytes);
    }
  }
  return set;
}

}  // namespace faultbench
