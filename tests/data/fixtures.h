// Helpers shared by the data tests: file writers in the official formats and oracle calls.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace faultbench::testing {

inline void write_bytes(const std::filesystem::path& file, const std::string& bytes) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

// A P6 file from planar [3, h, w] pixels.
inline void write_ppm(const std::filesystem::path& file, int w, int h, const std::vector<uint8_t>& planar) {
  std::string s = "P6\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n";
  const size_t plane = size_t(w) * size_t(h);
  for (size_t i = 0; i < plane; ++i)
    for (size_t c = 0; c < 3; ++c) s.push_back(char(planar[c * plane + i]));
  write_bytes(file, s);
}

// Random image content: a smooth gradient plus noise (so both flat and busy regions occur).
inline std::vector<uint8_t> random_image(int w, int h, std::mt19937& rng) {
  std::vector<uint8_t> px(size_t(3) * size_t(w) * size_t(h));
  const int noise = int(rng() % 256) + 1;
  const int gx = int(rng() % 7), gy = int(rng() % 7);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const int v = (x * gx + y * gy + c * 40) % 256 + int(rng() % uint32_t(noise)) - noise / 2;
        px[(size_t(c) * h + size_t(y)) * w + size_t(x)] = uint8_t(v < 0 ? 0 : (v > 255 ? 255 : v));
      }
  return px;
}

inline bool python_has(const std::string& module) {
  const std::string cmd = "/usr/bin/python3 -c 'import " + module + "' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

}  // namespace faultbench::testing
