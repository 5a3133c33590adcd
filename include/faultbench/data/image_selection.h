// Which test images a run uses. Test files are often stored class by class (the JPEG-rebuilt
// CIFAR-10 set is), so "the first N" can be one class only; a campaign on a subset should
// use a seeded, stratified sample instead, recorded with its results.
//
// Stratified(count, seed), reproducible in Python with the standard library:
//   rng = random.Random(seed)
//   order = list(range(C)); rng.shuffle(order)           # class priority
//   quota[c] = count // C, plus 1 for the first count % C classes of `order`
//   for c in range(C): pool[c] = [i for i, l in enumerate(labels) if l == c]; rng.shuffle(pool[c])
//   a class with fewer images than its quota gives all it has; the shortfall is handed out one
//   image at a time to the classes of `order` (cycling) that still have images left
//   selected = sorted(pool[c][:quota[c]] for every c)
// (rng.shuffle is CPython's: for i from n-1 down to 1, j = _randbelow(i + 1), swap.)
// The result is in file order, so a stratified set is read in the same order as the file.
#pragma once
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "faultbench/data/dataset.h"

namespace faultbench {

enum class ImageSelectionKind {
  All,         // every test image
  First,       // the first `count` images of the file
  Stratified,  // `count` images, an equal share per class, drawn with `seed`
};

struct ImageSelection {
  ImageSelectionKind kind = ImageSelectionKind::All;
  int64_t count = 0;  // First / Stratified: how many images (more than the set: all of them)
  int64_t seed = 0;   // Stratified: random.Random(seed)
};

// "all", "first", "stratified".
const char* image_selection_name(ImageSelectionKind kind);

// Indices into `labels` (each in [0, classes)), ascending, without repeats.
std::vector<int64_t> select_images(std::span<const int> labels, int classes, const ImageSelection& selection);

// The images of `set` at `indices` (ascending), in that order.
ImageSet subset_images(const ImageSet& set, std::span<const int64_t> indices);

struct SelectedImages {
  ImageSet images;
  std::vector<int64_t> indices;  // test-file index of each image, ascending
};

// load_test_set (the whole file is validated whatever the selection), then the selection.
SelectedImages load_selected_images(const std::string& dataset, const std::filesystem::path& data_dir,
                                    const ImageSelection& selection);

}  // namespace faultbench
