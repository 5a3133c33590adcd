// Binary PPM (P6) reader (format: see ppm.h).
#include "faultbench/data/ppm.h"

#include <fmt/format.h>

#include <fstream>
#include <string>
#include <system_error>

#include "faultbench/error.h"

namespace faultbench {
namespace {

bool is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Reads one non-negative decimal header field starting at `pos` (after skipping whitespace
// and comments); `what` names the field in error messages.
int read_field(const std::vector<uint8_t>& b, size_t& pos, const std::string& name, const char* what) {
  while (pos < b.size()) {
    if (is_space(b[pos])) {
      ++pos;
    } else if (b[pos] == '#') {
      while (pos < b.size() && b[pos] != '\n') ++pos;
    } else {
      break;
    }
  }
  const size_t start = pos;
  int64_t v = 0;
  while (pos < b.size() && b[pos] >= '0' && b[pos] <= '9') {
    v = v * 10 + (b[pos] - '0');
    if (v > 1'000'000) {
      throw FormatError(fmt::format("{}: byte offset {}: PPM {} too large", name, start, what));
    }
    ++pos;
  }
  if (pos == start) {
    throw FormatError(
        fmt::format("{}: byte offset {}: PPM header: expected the {} as a decimal number", name, start, what));
  }
  return int(v);
}

}  // namespace

RgbImage parse_ppm(const std::vector<uint8_t>& b, const std::string& name) {
  if (b.size() < 2 || b[0] != 'P' || b[1] != '6') {
    throw FormatError(fmt::format("{}: byte offset 0: not a binary PPM (magic 'P6' expected)", name));
  }
  size_t pos = 2;
  if (pos >= b.size() || !(is_space(b[pos]) || b[pos] == '#')) {
    throw FormatError(fmt::format("{}: byte offset 2: PPM header: whitespace expected after 'P6'", name));
  }
  RgbImage img;
  img.width = read_field(b, pos, name, "width");
  img.height = read_field(b, pos, name, "height");
  const int maxval = read_field(b, pos, name, "maxval");
  if (img.width < 1 || img.width > kPpmMaxSide || img.height < 1 || img.height > kPpmMaxSide) {
    throw FormatError(fmt::format("{}: PPM size {}x{} outside [1, {}]", name, img.width, img.height, kPpmMaxSide));
  }
  if (maxval != 255) {
    throw FormatError(fmt::format("{}: PPM maxval {} not supported (only 255: 8-bit RGB)", name, maxval));
  }
  if (pos >= b.size() || !is_space(b[pos])) {
    throw FormatError(
        fmt::format("{}: byte offset {}: PPM header: one whitespace byte expected after maxval", name, pos));
  }
  ++pos;
  const size_t plane = size_t(img.width) * size_t(img.height);
  const size_t expected = plane * 3;
  if (b.size() - pos != expected) {
    throw FormatError(fmt::format("{}: PPM {}x{} needs {} data bytes after the header (offset {}), found {}", name,
                                  img.width, img.height, expected, pos, b.size() - pos));
  }
  // Interleaved RGB -> planar [3, h, w].
  img.pixels.resize(expected);
  const uint8_t* src = b.data() + pos;
  for (size_t i = 0; i < plane; ++i) {
    img.pixels[i] = src[3 * i];
    img.pixels[plane + i] = src[3 * i + 1];
    img.pixels[2 * plane + i] = src[3 * i + 2];
  }
  return img;
}

RgbImage read_ppm(const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) throw IoError(fmt::format("{}: cannot stat: {}", file.string(), ec.message()));
  // Header (< 64 bytes without comments) + the largest accepted image: bounds the read.
  const uintmax_t limit = uintmax_t(kPpmMaxSide) * kPpmMaxSide * 3 + 4096;
  if (size > limit) {
    throw FormatError(fmt::format("{}: {} bytes: larger than any accepted PPM", file.string(), size));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot open for reading", file.string()));
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  if (!in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(size))) {
    throw IoError(fmt::format("{}: read failed", file.string()));
  }
  return parse_ppm(bytes, file.string());
}

}  // namespace faultbench
