// Fuzz target: the .npy reader and the npy dataset (parse_npy, read_npy_dataset). The first
// input byte picks max_images -1..2 (bits 0-1); the next two bytes (LE) are the length of
// images.npy, the rest is labels.npy. Each file is also parsed on its own.
#include <cstring>

#include "faultbench/data/dataset.h"
#include "faultbench/data/npy.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const int64_t max_images = int64_t(data[0] & 3) - 1;
  const size_t images_len = std::min(size - 3, size_t(data[1]) | (size_t(data[2]) << 8));
  const uint8_t* images = data + 3;
  const uint8_t* labels = images + images_len;
  const size_t labels_len = size - 3 - images_len;
  for (const auto& file : {std::pair{images, images_len}, {labels, labels_len}}) {
    const uint8_t* p = file.first;
    const size_t n = file.second;
    faultbench::fuzz::run_expecting_errors([&] {
      const faultbench::NpyArray a = faultbench::parse_npy({p, n}, "fuzz.npy");
      if (a.data_offset > n || uint64_t(a.numel) * uint64_t(faultbench::npy_dtype_size(a.dtype)) != n - a.data_offset)
        faultbench::fuzz::finding("npy", "accepted a size that does not match the shape");
    });
  }
  faultbench::fuzz::write_scratch("images.npy", images, images_len);
  faultbench::fuzz::write_scratch("labels.npy", labels, labels_len);
  faultbench::fuzz::run_expecting_errors([&] {
    const faultbench::ImageSet set = faultbench::read_npy_dataset(faultbench::fuzz::scratch_dir(), max_images);
    for (int label : set.labels)
      if (label < 0 || label >= set.classes) faultbench::fuzz::finding("npy", "label out of range accepted");
    if (set.size() > 0) {
      std::vector<float> out(size_t(set.size() * set.shape.numel()));
      set.normalize(0, set.size(), out.data());
      (void)set.sha256();
      faultbench::check_images_fit_model(set, set.shape, set.classes, faultbench::fuzz::scratch_dir());
    }
  });
  return 0;
}
