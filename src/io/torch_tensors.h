// Turning an unpickled torch object into a StateDict (internal to src/io).
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "faultbench/io/state_dict.h"
#include "pickle.h"

namespace faultbench::io {

// Raw little-endian bytes of a root storage; the span stays valid while the reader lives.
using StorageBytes = std::function<std::span<const uint8_t>(const StorageRef&)>;

// Finds the state dict in `root` (unwrapping "state_dict"/"model"/"net"), then copies every
// tensor out of its storage (strides and offsets honoured, bounds checked) into fp32.
StateDict build_state_dict(const Unpickler& up, int root, const std::string& source, const StorageBytes& bytes);

// Reads one little-endian element of a floating dtype ("float32", "float64", "float16",
// "bfloat16") as float.
using FloatLoader = float (*)(const uint8_t*);
FloatLoader float_loader(const std::string& dtype);

// The whole file in memory; IoError when it cannot be read. `max_bytes` bounds the size.
std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path, uint64_t max_bytes = uint64_t(1) << 36);

}  // namespace faultbench::io
