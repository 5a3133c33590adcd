// Fuzz target: CIFAR-10/100 binary records (read_cifar_binary). The first input byte picks
// the dataset (bit 0), the expected record count 0..3 (bits 1-2) and max_images -1..2
// (bits 3-4); the rest is the file.
#include "faultbench/data/cifar.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  const std::string dataset = (mode & 1) ? "cifar100" : "cifar10";
  const int64_t expected = (mode >> 1) & 3;
  const int64_t max_images = int64_t((mode >> 3) & 3) - 1;
  const auto path = faultbench::fuzz::write_scratch("fuzz_batch.bin", data + 1, size - 1);
  faultbench::fuzz::run_expecting_errors([&] {
    const faultbench::ImageSet set = faultbench::read_cifar_binary(path, dataset, expected, max_images);
    const int64_t keep = max_images < 0 ? expected : std::min(max_images, expected);
    if (set.size() != keep || int64_t(set.pixels.size()) != keep * 3072)
      faultbench::fuzz::finding("cifar", "image count or pixel buffer size is wrong");
    for (int label : set.labels)
      if (label < 0 || label >= set.classes) faultbench::fuzz::finding("cifar", "label out of range accepted");
    if (keep > 0) {
      std::vector<float> out(size_t(keep) * 3072);
      set.normalize(0, keep, out.data());
    }
  });
  return 0;
}
