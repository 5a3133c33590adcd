// The npy dataset (--dataset npy): images.npy + labels.npy of a folder, memory-mapped, and
// the check that a model can take them.
#include <fmt/format.h>

#include <cmath>
#include <cstring>

#include "faultbench/data/dataset.h"
#include "faultbench/data/npy.h"
#include "faultbench/error.h"

namespace faultbench {

namespace {

// Bounds one image (C*H*W floats) so that a batch of them stays allocatable.
constexpr int64_t kMaxImageElements = int64_t(1) << 26;

}  // namespace

ImageSet read_npy_dataset(const std::filesystem::path& dir, int64_t max_images) {
  const auto images_path = dir / "images.npy", labels_path = dir / "labels.npy";
  auto images = std::make_shared<NpyFile>(open_npy(images_path));
  const NpyArray& ia = images->array;
  const std::string iname = images_path.string(), lname = labels_path.string();
  if (ia.dtype != NpyDtype::Float32)
    throw FormatError(fmt::format("{}: images must be '<f4' (float32), found {}", iname, npy_dtype_name(ia.dtype)));
  if (ia.shape.size() != 4)
    throw FormatError(fmt::format("{}: images must have shape [N, C, H, W], found {}", iname, ia.shape_text()));
  const int64_t n = ia.shape[0];
  for (size_t d = 1; d < 4; ++d)
    if (ia.shape[d] < 1) throw FormatError(fmt::format("{}: empty image shape {}", iname, ia.shape_text()));
  if (ia.shape[1] * ia.shape[2] > kMaxImageElements || ia.shape[1] * ia.shape[2] * ia.shape[3] > kMaxImageElements)
    throw FormatError(fmt::format("{}: images of shape {} are larger than {} values each", iname, ia.shape_text(),
                                  kMaxImageElements));

  const NpyFile labels = open_npy(labels_path);
  const NpyArray& la = labels.array;
  if (la.dtype == NpyDtype::Float32)
    throw FormatError(
        fmt::format("{}: labels must be '<i8' (int64) or '<i4' (int32), found {}", lname, npy_dtype_name(la.dtype)));
  if (la.shape.size() != 1)
    throw FormatError(fmt::format("{}: labels must have shape [N], found {}", lname, la.shape_text()));
  if (la.shape[0] != n)
    throw FormatError(fmt::format("{}: {} labels for the {} images of {}", lname, la.shape[0], n, iname));

  ImageSet set;
  set.dataset = kNpyDataset;
  set.shape = ValueShape{int(ia.shape[1]), int(ia.shape[2]), int(ia.shape[3])};
  const int64_t keep = max_images < 0 ? n : std::min(max_images, n);
  // The whole files are validated whatever is kept, so a damaged set is never half used.
  int64_t largest = -1;
  for (int64_t i = 0; i < n; ++i) {
    int64_t label = 0;
    if (la.dtype == NpyDtype::Int64) {
      std::memcpy(&label, labels.data() + 8 * i, 8);
    } else {
      int32_t v = 0;
      std::memcpy(&v, labels.data() + 4 * i, 4);
      label = v;
    }
    if (label < 0 || label >= kNpyMaxClasses)
      throw FormatError(fmt::format("{}: label {} of image {} is outside [0, {})", lname, label, i, kNpyMaxClasses));
    largest = std::max(largest, label);
    if (i < keep) set.labels.push_back(int(label));
  }
  set.classes = int(largest + 1);
  const int64_t per = set.shape.numel();
  const unsigned char* data = images->data();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t k = 0; k < per; ++k) {
      float v;
      std::memcpy(&v, data + 4 * (i * per + k), 4);
      if (!std::isfinite(v)) throw FormatError(fmt::format("{}: image {} holds {} at element {}", iname, i, v, k));
    }
  }
  set.preprocessed = std::move(images);
  set.preprocessed_rows.resize(size_t(keep));
  for (int64_t i = 0; i < keep; ++i) set.preprocessed_rows[size_t(i)] = i;
  return set;
}

void check_images_fit_model(const ImageSet& set, const ValueShape& input, int classes,
                            const std::filesystem::path& data_dir) {
  const bool npy = set.dataset == kNpyDataset;
  const std::string images = npy ? (data_dir / "images.npy").string() : set.dataset;
  const std::string labels = npy ? (data_dir / "labels.npy").string() : set.dataset;
  if (set.shape.c != input.c || set.shape.h != input.h || set.shape.w != input.w)
    throw FormatError(fmt::format("{}: images of shape [N, {}, {}, {}] do not fit the model's input [N, {}, {}, {}]",
                                  images, set.shape.c, set.shape.h, set.shape.w, input.c, input.h, input.w));
  for (size_t i = 0; i < set.labels.size(); ++i)
    if (set.labels[i] < 0 || set.labels[i] >= classes)
      throw FormatError(fmt::format("{}: label {} of image {} is not one of the model's {} classes", labels,
                                    set.labels[i], npy ? set.preprocessed_rows[i] : int64_t(i), classes));
}

}  // namespace faultbench
