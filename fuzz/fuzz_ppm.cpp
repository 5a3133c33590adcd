// Fuzz target: binary PPM (P6) images (parse_ppm), then the Pillow-exact resize to 50x50
// that the GTSRB reader applies to every image.
#include <vector>

#include "faultbench/data/pil_resize.h"
#include "faultbench/data/ppm.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  faultbench::fuzz::run_expecting_errors([&] {
    const faultbench::RgbImage img = faultbench::parse_ppm(bytes, "fuzz.ppm");
    if (img.width < 1 || img.height < 1 || img.pixels.size() != size_t(img.width) * size_t(img.height) * 3)
      faultbench::fuzz::finding("ppm", "accepted image has an inconsistent size");
    const auto out = faultbench::pil_resize_bilinear(img.pixels.data(), 3, img.height, img.width, 50, 50);
    if (out.size() != 3 * 50 * 50) faultbench::fuzz::finding("ppm", "resize returned a wrong size");
  });
  return 0;
}
