// GTSRB test-set reader (layout: see gtsrb.h).
#include "faultbench/data/gtsrb.h"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <string_view>
#include <system_error>

#include "faultbench/data/pil_resize.h"
#include "faultbench/data/ppm.h"
#include "faultbench/error.h"
#include "faultbench/util/csv.h"

namespace faultbench {
namespace {

namespace fs = std::filesystem;

constexpr const char* kGroundTruth = "GT-final_test.csv";
constexpr uintmax_t kMaxCsvBytes = 64u << 20;  // the official file is ~0.4 MB

struct GtRow {
  std::string filename;
  int width = -1, height = -1;  // -1: column absent
  int label = 0;
  int64_t line = 0;  // 1-based line in the CSV
};

int parse_int(std::string_view field, const std::string& where, const char* column) {
  int v = 0;
  const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
  if (ec != std::errc() || ptr != field.data() + field.size() || field.empty()) {
    throw FormatError(fmt::format("{}: column {}: '{}' is not an integer", where, column, field));
  }
  return v;
}

// Columns of the ground truth; -1 when absent (only Filename and ClassId are required).
struct GtColumns {
  int file = -1, label = -1, width = -1, height = -1;
  int roi[4] = {-1, -1, -1, -1};  // Roi.X1, Roi.Y1, Roi.X2, Roi.Y2
};
constexpr const char* kRoiNames[4] = {"Roi.X1", "Roi.Y1", "Roi.X2", "Roi.Y2"};

GtColumns find_columns(const std::vector<std::string>& header) {
  GtColumns c;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == "Filename") c.file = int(i);
    if (header[i] == "ClassId") c.label = int(i);
    if (header[i] == "Width") c.width = int(i);
    if (header[i] == "Height") c.height = int(i);
    for (int k = 0; k < 4; ++k)
      if (header[i] == kRoiNames[k]) c.roi[k] = int(i);
  }
  return c;
}

// Width and Height are positive; the region of interest X1 <= X2, Y1 <= Y2 lies inside the
// image. X2 = Width is allowed: the official files do not say whether X2 is inclusive.
void check_geometry(const GtRow& r, const std::vector<std::string>& f, const GtColumns& c, const std::string& where) {
  if (c.width >= 0 && r.width <= 0) throw FormatError(fmt::format("{}: Width {} is not positive", where, r.width));
  if (c.height >= 0 && r.height <= 0) throw FormatError(fmt::format("{}: Height {} is not positive", where, r.height));
  int roi[4];
  for (int k = 0; k < 4; ++k) {
    if (c.roi[k] < 0) return;  // no complete ROI: nothing to check (the ROI is not used)
    roi[k] = parse_int(f[size_t(c.roi[k])], where, kRoiNames[k]);
  }
  const int w = c.width >= 0 ? r.width : -1, h = c.height >= 0 ? r.height : -1;
  const bool inside = roi[0] >= 0 && roi[1] >= 0 && roi[0] <= roi[2] && roi[1] <= roi[3] && (w < 0 || roi[2] <= w) &&
                      (h < 0 || roi[3] <= h);
  if (!inside)
    throw FormatError(fmt::format(
        "{}: ROI ({},{})-({},{}) is not a region inside the {}image (0 <= X1 <= X2 <= "
        "Width, 0 <= Y1 <= Y2 <= Height)",
        where, roi[0], roi[1], roi[2], roi[3], w > 0 && h > 0 ? fmt::format("{}x{} ", w, h) : std::string()));
}

std::vector<GtRow> read_ground_truth(const fs::path& csv, int classes) {
  std::error_code ec;
  const auto size = fs::file_size(csv, ec);
  if (ec) throw IoError(fmt::format("{}: cannot stat: {}", csv.string(), ec.message()));
  if (size > kMaxCsvBytes)
    throw FormatError(fmt::format("{}: {} bytes: too large for a ground-truth CSV", csv.string(), size));
  std::ifstream in(csv, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot open for reading", csv.string()));

  CsvReader reader(in, csv.string(), CsvOptions{.delimiter = ';'});
  CsvRecord record;
  if (!reader.next(record)) throw FormatError(fmt::format("{}: line 1: empty file, header expected", csv.string()));
  const std::vector<std::string> header = record.fields;
  const GtColumns cols = find_columns(header);
  if (cols.file < 0 || cols.label < 0) {
    std::string joined;
    for (size_t i = 0; i < header.size(); ++i) joined += (i ? ";" : "") + header[i];
    throw FormatError(
        fmt::format("{}: line {}: header '{}' lacks the Filename and ClassId columns (expected "
                    "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId)",
                    csv.string(), record.line, joined));
  }
  std::vector<GtRow> rows;
  while (reader.next(record)) {
    const std::string where = fmt::format("{}: line {}", csv.string(), record.line);
    const std::vector<std::string>& f = record.fields;
    if (f.size() != header.size()) {
      throw FormatError(fmt::format("{}: {} fields, the header has {}", where, f.size(), header.size()));
    }
    GtRow r;
    r.line = record.line;
    r.filename = f[size_t(cols.file)];
    if (r.filename.empty() || r.filename == "." || r.filename == ".." ||
        r.filename.find_first_of("/\\") != std::string::npos) {
      throw FormatError(fmt::format("{}: Filename '{}' is not a plain file name", where, r.filename));
    }
    r.label = parse_int(f[size_t(cols.label)], where, "ClassId");
    if (r.label < 0 || r.label >= classes) {
      throw FormatError(fmt::format("{}: ClassId {} out of range [0, {})", where, r.label, classes));
    }
    if (cols.width >= 0) r.width = parse_int(f[size_t(cols.width)], where, "Width");
    if (cols.height >= 0) r.height = parse_int(f[size_t(cols.height)], where, "Height");
    check_geometry(r, f, cols, where);
    rows.push_back(std::move(r));
  }
  if (rows.empty()) throw FormatError(fmt::format("{}: no image rows after the header", csv.string()));
  return rows;
}

}  // namespace

ImageSet read_gtsrb_test(const fs::path& data_dir, int64_t max_images) {
  const fs::path images = data_dir / "GTSRB" / "Final_Test" / "Images";
  if (!fs::is_directory(images)) {
    throw IoError(
        fmt::format("{}: GTSRB test image folder missing (expected "
                    "DIR/GTSRB/Final_Test/Images; run faultbench fetch --dataset gtsrb)",
                    images.string()));
  }
  fs::path csv = data_dir / kGroundTruth;
  if (!fs::is_regular_file(csv)) csv = images / kGroundTruth;
  if (!fs::is_regular_file(csv)) {
    throw IoError(fmt::format("{}: ground truth {} found neither in {} nor beside the images", data_dir.string(),
                              kGroundTruth, data_dir.string()));
  }
  ImageSet set;
  set.dataset = "gtsrb";
  set.shape = ValueShape{3, kGtsrbSide, kGtsrbSide};
  set.classes = dataset_classes("gtsrb");
  set.norm = dataset_normalization("gtsrb");
  const auto rows = read_ground_truth(csv, set.classes);

  // Every row must name an existing image, even those beyond max_images.
  // The error_code overload: a Filename longer than NAME_MAX must be a FormatError naming the
  // line, not a std::filesystem_error (found by fuzz/fuzz_gtsrb_csv.cpp).
  for (const auto& r : rows) {
    std::error_code exists_ec;
    if (!fs::is_regular_file(images / r.filename, exists_ec)) {
      throw FormatError(fmt::format("{}: line {}: image {} does not exist{}", csv.string(), r.line,
                                    (images / r.filename).string(),
                                    exists_ec ? " (" + exists_ec.message() + ")" : std::string()));
    }
  }
  const size_t keep = max_images < 0 ? rows.size() : std::min(rows.size(), size_t(max_images));
  const int64_t image_bytes = set.shape.numel();
  set.pixels.resize(keep * size_t(image_bytes));
  set.labels.resize(keep);
  for (size_t i = 0; i < keep; ++i) {
    const auto& r = rows[i];
    const RgbImage img = read_ppm(images / r.filename);
    if ((r.width >= 0 && r.width != img.width) || (r.height >= 0 && r.height != img.height)) {
      throw FormatError(fmt::format("{}: line {}: Width x Height {}x{} but {} is {}x{}", csv.string(), r.line, r.width,
                                    r.height, r.filename, img.width, img.height));
    }
    const auto resized = pil_resize_bilinear(img.pixels.data(), 3, img.height, img.width, kGtsrbSide, kGtsrbSide);
    std::copy(resized.begin(), resized.end(), set.pixels.begin() + int64_t(i) * image_bytes);
    set.labels[i] = r.label;
  }
  return set;
}

}  // namespace faultbench
