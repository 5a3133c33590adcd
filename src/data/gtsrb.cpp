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

namespace faultbench {
namespace {

namespace fs = std::filesystem;

constexpr const char* kGroundTruth = "GT-final_test.csv";
constexpr uintmax_t kMaxCsvBytes = 64u << 20;  // the official file is ~0.4 MB

struct GtRow {
  std::string filename;
  int width = -1, height = -1;  // -1: column absent
  int label = 0;
  int line = 0;  // 1-based line in the CSV
};

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) return out;
    start = p + 1;
  }
}

int parse_int(std::string_view field, const std::string& where, const char* column) {
  int v = 0;
  const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
  if (ec != std::errc() || ptr != field.data() + field.size() || field.empty()) {
    throw FormatError(fmt::format("{}: column {}: '{}' is not an integer", where, column, field));
  }
  return v;
}

std::vector<GtRow> read_ground_truth(const fs::path& csv, int classes) {
  std::error_code ec;
  const auto size = fs::file_size(csv, ec);
  if (ec) throw IoError(fmt::format("{}: cannot stat: {}", csv.string(), ec.message()));
  if (size > kMaxCsvBytes) throw FormatError(fmt::format("{}: {} bytes: too large for a ground-truth CSV", csv.string(), size));
  std::ifstream in(csv, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot open for reading", csv.string()));
  std::string text(static_cast<size_t>(size), '\0');
  if (!in.read(text.data(), std::streamsize(size))) throw IoError(fmt::format("{}: read failed", csv.string()));

  auto lines = split(text, '\n');
  for (auto& l : lines) {
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();  // trailing newline(s)
  if (lines.empty()) throw FormatError(fmt::format("{}: line 1: empty file, header expected", csv.string()));

  const auto header = split(lines[0], ';');
  int col_file = -1, col_class = -1, col_w = -1, col_h = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == "Filename") col_file = int(i);
    if (header[i] == "ClassId") col_class = int(i);
    if (header[i] == "Width") col_w = int(i);
    if (header[i] == "Height") col_h = int(i);
  }
  if (col_file < 0 || col_class < 0) {
    throw FormatError(fmt::format(
        "{}: line 1: header '{}' lacks the Filename and ClassId columns (expected "
        "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId)",
        csv.string(), lines[0]));
  }
  std::vector<GtRow> rows;
  rows.reserve(lines.size() - 1);
  for (size_t n = 1; n < lines.size(); ++n) {
    const std::string where = fmt::format("{}: line {}", csv.string(), n + 1);
    const auto f = split(lines[n], ';');
    if (f.size() != header.size()) {
      throw FormatError(fmt::format("{}: {} fields, the header has {}", where, f.size(), header.size()));
    }
    GtRow r;
    r.line = int(n + 1);
    r.filename = std::string(f[size_t(col_file)]);
    if (r.filename.empty() || r.filename == "." || r.filename == ".." ||
        r.filename.find_first_of("/\\") != std::string::npos) {
      throw FormatError(fmt::format("{}: Filename '{}' is not a plain file name", where, r.filename));
    }
    r.label = parse_int(f[size_t(col_class)], where, "ClassId");
    if (r.label < 0 || r.label >= classes) {
      throw FormatError(fmt::format("{}: ClassId {} out of range [0, {})", where, r.label, classes));
    }
    if (col_w >= 0) r.width = parse_int(f[size_t(col_w)], where, "Width");
    if (col_h >= 0) r.height = parse_int(f[size_t(col_h)], where, "Height");
    rows.push_back(std::move(r));
  }
  if (rows.empty()) throw FormatError(fmt::format("{}: no image rows after the header", csv.string()));
  return rows;
}

}  // namespace

ImageSet read_gtsrb_test(const fs::path& data_dir, int64_t max_images) {
  const fs::path images = data_dir / "GTSRB" / "Final_Test" / "Images";
  if (!fs::is_directory(images)) {
    throw IoError(fmt::format("{}: GTSRB test image folder missing (expected "
                              "DIR/GTSRB/Final_Test/Images; run faultbench fetch --dataset gtsrb)",
                              images.string()));
  }
  fs::path csv = data_dir / kGroundTruth;
  if (!fs::is_regular_file(csv)) csv = images / kGroundTruth;
  if (!fs::is_regular_file(csv)) {
    throw IoError(fmt::format("{}: ground truth {} found neither in {} nor beside the images",
                              data_dir.string(), kGroundTruth, data_dir.string()));
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
      throw FormatError(fmt::format("{}: line {}: Width x Height {}x{} but {} is {}x{}", csv.string(),
                                    r.line, r.width, r.height, r.filename, img.width, img.height));
    }
    const auto resized =
        pil_resize_bilinear(img.pixels.data(), 3, img.height, img.width, kGtsrbSide, kGtsrbSide);
    std::copy(resized.begin(), resized.end(), set.pixels.begin() + int64_t(i) * image_bytes);
    set.labels[i] = r.label;
  }
  return set;
}

}  // namespace faultbench
