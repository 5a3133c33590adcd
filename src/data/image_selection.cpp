#include "faultbench/data/image_selection.h"

#include <algorithm>
#include <cstring>

#include "faultbench/error.h"
#include "faultbench/util/py_random.h"

namespace faultbench {

namespace {

// CPython's random.shuffle.
template <typename T>
void py_shuffle(PyRandom& rng, std::vector<T>& x) {
  for (size_t i = x.size(); i-- > 1;) std::swap(x[i], x[size_t(rng.randbelow(uint64_t(i) + 1))]);
}

std::vector<int64_t> stratified(std::span<const int> labels, int classes, int64_t count, int64_t seed) {
  PyRandom rng(seed);
  std::vector<int> order(static_cast<size_t>(classes));
  for (int c = 0; c < classes; ++c) order[size_t(c)] = c;
  py_shuffle(rng, order);
  std::vector<std::vector<int64_t>> pool(static_cast<size_t>(classes));
  for (size_t i = 0; i < labels.size(); ++i) pool[size_t(labels[i])].push_back(int64_t(i));
  for (auto& p : pool) py_shuffle(rng, p);

  std::vector<int64_t> quota(static_cast<size_t>(classes), count / classes);
  for (int64_t k = 0; k < count % classes; ++k) ++quota[size_t(order[size_t(k)])];
  int64_t shortfall = 0;
  for (int c = 0; c < classes; ++c) {
    const int64_t have = int64_t(pool[size_t(c)].size());
    if (quota[size_t(c)] > have) {
      shortfall += quota[size_t(c)] - have;
      quota[size_t(c)] = have;
    }
  }
  // Hand the shortfall out one image at a time, cycling through `order`; the caller made
  // sure count < labels.size(), so there is always a class with images left.
  for (size_t k = 0; shortfall > 0; k = (k + 1) % order.size()) {
    const size_t c = size_t(order[k]);
    if (quota[c] < int64_t(pool[c].size())) {
      ++quota[c];
      --shortfall;
    }
  }
  std::vector<int64_t> selected;
  selected.reserve(size_t(count));
  for (int c = 0; c < classes; ++c)
    selected.insert(selected.end(), pool[size_t(c)].begin(), pool[size_t(c)].begin() + quota[size_t(c)]);
  std::sort(selected.begin(), selected.end());
  return selected;
}

}  // namespace

const char* image_selection_name(ImageSelectionKind kind) {
  switch (kind) {
    case ImageSelectionKind::All: return "all";
    case ImageSelectionKind::First: return "first";
    case ImageSelectionKind::Stratified: return "stratified";
  }
  return "?";
}

std::vector<int64_t> select_images(std::span<const int> labels, int classes, const ImageSelection& selection) {
  FAULTBENCH_CHECK(classes > 0, "select_images: no classes");
  for (int l : labels) FAULTBENCH_CHECK(l >= 0 && l < classes, "select_images: label out of range");
  const int64_t n = int64_t(labels.size());
  if (selection.kind != ImageSelectionKind::All && selection.count < 0)
    throw UsageError("image selection: the count must not be negative");
  const int64_t count = selection.kind == ImageSelectionKind::All ? n : std::min(selection.count, n);
  if (selection.kind == ImageSelectionKind::Stratified && count < n)
    return stratified(labels, classes, count, selection.seed);
  std::vector<int64_t> first(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) first[size_t(i)] = i;
  return first;
}

ImageSet subset_images(const ImageSet& set, std::span<const int64_t> indices) {
  ImageSet out;
  out.dataset = set.dataset;
  out.shape = set.shape;
  out.classes = set.classes;
  out.norm = set.norm;
  out.preprocessed = set.preprocessed;
  const size_t bytes = set.preprocessed ? 0 : size_t(set.shape.numel());
  out.pixels.resize(indices.size() * bytes);
  out.labels.reserve(indices.size());
  for (size_t k = 0; k < indices.size(); ++k) {
    const int64_t i = indices[k];
    FAULTBENCH_CHECK(i >= 0 && i < set.size() && (k == 0 || i > indices[k - 1]),
                     "subset_images: indices must be ascending and inside the set");
    if (set.preprocessed) {
      out.preprocessed_rows.push_back(set.preprocessed_rows[size_t(i)]);
    } else {
      std::memcpy(out.pixels.data() + k * bytes, set.image(i), bytes);
    }
    out.labels.push_back(set.labels[size_t(i)]);
  }
  return out;
}

SelectedImages load_selected_images(const std::string& dataset, const std::filesystem::path& data_dir,
                                    const ImageSelection& selection) {
  SelectedImages out;
  if (selection.kind != ImageSelectionKind::Stratified) {
    const int64_t max = selection.kind == ImageSelectionKind::All ? -1 : selection.count;
    if (max < -1) throw UsageError("image selection: the count must not be negative");
    out.images = load_test_set(dataset, data_dir, max);
    out.indices.resize(size_t(out.images.size()));
    for (size_t i = 0; i < out.indices.size(); ++i) out.indices[i] = int64_t(i);
    return out;
  }
  const ImageSet all = load_test_set(dataset, data_dir);
  out.indices = select_images(all.labels, all.classes, selection);
  out.images = subset_images(all, out.indices);
  return out;
}

}  // namespace faultbench
