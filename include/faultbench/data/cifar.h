// Reader for the official CIFAR-10 / CIFAR-100 binary format.
//   CIFAR-10:  records of 1 label byte + 3072 pixel bytes
//   CIFAR-100: records of 2 label bytes (coarse, fine) + 3072 pixel bytes; the fine label is used
// Pixels are 1024 R, then 1024 G, then 1024 B bytes, each plane row-major 32x32: already CHW.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>

#include "faultbench/data/dataset.h"

namespace faultbench {

// The official test files hold exactly this many records.
inline constexpr int64_t kCifarTestRecords = 10000;

// Reads a CIFAR binary file of `dataset` ("cifar10" or "cifar100") that must hold exactly
// `expected_records` records (FormatError naming the file and the byte size otherwise).
// Every label is checked against the class count (FormatError naming the record).
// max_images >= 0 keeps the first max_images records after validating the whole file.
ImageSet read_cifar_binary(const std::filesystem::path& file, const std::string& dataset,
                           int64_t expected_records = kCifarTestRecords, int64_t max_images = -1);

}  // namespace faultbench
