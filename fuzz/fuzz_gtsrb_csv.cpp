// Fuzz target: the GTSRB ground-truth CSV (GT-final_test.csv, semicolon separated).
// A scratch data folder holds three small valid images, 00000.ppm (2x3), 00001.ppm
// (16x16) and 00002.ppm (60x40); the input is written as the CSV and read_gtsrb_test runs
// on it with max_images = 2 (so rows beyond are only checked, as with --max-images).
#include <fstream>

#include "faultbench/data/gtsrb.h"
#include "fuzz_util.h"

namespace fs = std::filesystem;

namespace {

void write_ppm(const fs::path& path, int w, int h) {
  std::ofstream out(path, std::ios::binary);
  out << "P6\n" << w << " " << h << "\n255\n";
  for (int i = 0; i < w * h * 3; ++i) out.put(char((i * 37) & 0xff));
}

const fs::path& data_dir() {
  static const fs::path dir = [] {
    const fs::path d = faultbench::fuzz::scratch_dir() / "gtsrb";
    const fs::path images = d / "GTSRB" / "Final_Test" / "Images";
    fs::create_directories(images);
    write_ppm(images / "00000.ppm", 2, 3);
    write_ppm(images / "00001.ppm", 16, 16);
    write_ppm(images / "00002.ppm", 60, 40);
    return d;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fs::path& dir = data_dir();
  faultbench::fuzz::write_scratch("gtsrb/GT-final_test.csv", data, size);
  faultbench::fuzz::run_expecting_errors([&] {
    const faultbench::ImageSet set = faultbench::read_gtsrb_test(dir, 2);
    if (set.size() > 2 || set.pixels.size() != size_t(set.size()) * 3 * 50 * 50)
      faultbench::fuzz::finding("gtsrb", "image count or pixel buffer size is wrong");
    for (int label : set.labels)
      if (label < 0 || label >= 43) faultbench::fuzz::finding("gtsrb", "ClassId out of range accepted");
  });
  return 0;
}
