// Binary PPM (P6) reader for the GTSRB images.
#pragma once
#include <cstdint>
#include <filesystem>
#include <vector>

namespace faultbench {

// An 8-bit RGB image, planar [3, height, width].
struct RgbImage {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;
};

// Largest side accepted (GTSRB images are 15..250 pixels wide): bounds the allocation.
inline constexpr int kPpmMaxSide = 8192;

// Reads a P6 file with maxval 255: header "P6 <w> <h> <maxval>" separated by whitespace
// (with '#' comments), exactly one whitespace byte, then exactly w*h*3 bytes of RGB.
// FormatError naming the file and the byte offset for any other header, sizes outside
// [1, kPpmMaxSide], or a data length that is not exactly w*h*3; IoError when unreadable.
RgbImage read_ppm(const std::filesystem::path& file);

// Parses PPM bytes already in memory (`name` is used in error messages).
RgbImage parse_ppm(const std::vector<uint8_t>& bytes, const std::string& name);

}  // namespace faultbench
