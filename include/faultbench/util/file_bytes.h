// Reading a whole file, for the files faultbench wrote itself or bounds by other means
// (result files, sidecars). Parsers of untrusted input read through their own bounded readers.
#pragma once
#include <filesystem>
#include <string>

namespace faultbench {

// Whole file as bytes; IoError naming the file.
std::string read_file_bytes(const std::filesystem::path& path);

}  // namespace faultbench
