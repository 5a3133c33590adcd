// Reader for the official GTSRB test set (Final_Test archive + GT-final_test.csv).
//   DIR/GTSRB/Final_Test/Images/NNNNN.ppm   variable-size P6 images (15x15 .. 250x250)
//   GT-final_test.csv in DIR/ or beside the images: semicolon separated, header
//   Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId
// Images are taken in CSV order and resized to 50x50 as Pillow's Image.resize((50, 50),
// BILINEAR) does (torchvision's Resize([50, 50]) on a PIL image). The ROI is not used,
// like the reference, but checked. The CSV is read with the shared reader
// (faultbench/util/csv.h); FormatError "file: line N: rule" on a row whose Filename is
// not a plain name, whose ClassId is outside 0..42, whose Width or Height is not
// positive, or whose ROI does not lie inside the image.
#pragma once
#include <cstdint>
#include <filesystem>

#include "faultbench/data/dataset.h"

namespace faultbench {

inline constexpr int kGtsrbSide = 50;

ImageSet read_gtsrb_test(const std::filesystem::path& data_dir, int64_t max_images = -1);

}  // namespace faultbench
