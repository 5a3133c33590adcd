// Pillow-exact antialiased bilinear resize (see pil_resize.h for the algorithm).
#include "faultbench/data/pil_resize.h"

#include <fmt/format.h>

#include <cmath>

#include "faultbench/error.h"

namespace faultbench {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

double triangle(double x) {
  if (x < 0.0) x = -x;
  return x < 1.0 ? 1.0 - x : 0.0;
}

// Per output pixel: the first input index and the fixed-point weights of the inputs it
// reads. Mirrors Pillow's precompute_coeffs + normalize_coeffs_8bpc for box [0, in_size].
struct Coeffs {
  std::vector<int> first;               // [out_size]
  std::vector<std::vector<int32_t>> w;  // [out_size][taps]
};

Coeffs precompute(int in_size, int out_size) {
  // Pillow passes the box as float; in1 - in0 is computed in float (exact for these sizes).
  const float in0 = 0.0f, in1 = static_cast<float>(in_size);
  double scale = static_cast<double>(in1 - in0) / out_size;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = 1.0 * filterscale;  // bilinear support is 1
  Coeffs c;
  c.first.resize(size_t(out_size));
  c.w.resize(size_t(out_size));
  std::vector<double> k;
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = in0 + (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);  // truncation, as in Pillow
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;  // number of taps
    k.assign(size_t(std::max(xmax, 0)), 0.0);
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      const double w = triangle((x + xmin - center + 0.5) * ss);
      k[size_t(x)] = w;
      ww += w;
    }
    auto& fixed = c.w[size_t(xx)];
    fixed.resize(k.size());
    for (size_t x = 0; x < k.size(); ++x) {
      const double v = ww != 0.0 ? k[x] / ww : k[x];
      const double scaled = v * (1 << kPrecisionBits);
      fixed[x] = static_cast<int32_t>(v < 0 ? -0.5 + scaled : 0.5 + scaled);
    }
    c.first[size_t(xx)] = xmin;
  }
  return c;
}

uint8_t clip8(int32_t acc) {
  const int32_t v = acc >> kPrecisionBits;  // arithmetic shift, as in Pillow
  return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

}  // namespace

std::vector<uint8_t> pil_resize_bilinear(const uint8_t* src, int channels, int in_h, int in_w, int out_h, int out_w) {
  if (channels <= 0 || in_h <= 0 || in_w <= 0 || out_h <= 0 || out_w <= 0) {
    throw UsageError(
        fmt::format("pil_resize_bilinear: bad sizes {}x{}x{} -> {}x{}", channels, in_h, in_w, out_h, out_w));
  }
  const bool need_h = out_w != in_w;
  const bool need_v = out_h != in_h;
  const Coeffs vert = precompute(in_h, out_h);
  // Rows [row0, row1) of the input are all the vertical pass reads.
  const int row0 = vert.first.front();
  const int row1 = vert.first.back() + int(vert.w.back().size());

  // Horizontal pass: [C, in_h, in_w] -> [C, rows, out_w] (rows = row1-row0, or all rows
  // when there is no vertical pass... which reads rows [0, in_h) anyway).
  std::vector<uint8_t> tmp;
  const uint8_t* mid = src;
  int mid_w = in_w, mid_row0 = 0;
  if (need_h) {
    const Coeffs hor = precompute(in_w, out_w);
    const int rows = row1 - row0;
    tmp.resize(size_t(channels) * size_t(rows) * size_t(out_w));
    for (int c = 0; c < channels; ++c) {
      for (int y = 0; y < rows; ++y) {
        const uint8_t* line = src + (size_t(c) * in_h + size_t(y + row0)) * in_w;
        uint8_t* dst = tmp.data() + (size_t(c) * rows + size_t(y)) * out_w;
        for (int xx = 0; xx < out_w; ++xx) {
          const auto& w = hor.w[size_t(xx)];
          const uint8_t* p = line + hor.first[size_t(xx)];
          int32_t acc = 1 << (kPrecisionBits - 1);
          for (size_t t = 0; t < w.size(); ++t) acc += int32_t(p[t]) * w[t];
          dst[xx] = clip8(acc);
        }
      }
    }
    mid = tmp.data();
    mid_w = out_w;
    mid_row0 = row0;
  }
  const int mid_rows = need_h ? row1 - row0 : in_h;

  if (!need_v) {
    if (need_h) return tmp;  // rows [row0,row1) == [0,in_h) when heights match
    return std::vector<uint8_t>(src, src + size_t(channels) * in_h * in_w);
  }
  // Vertical pass: [C, mid_rows, out_w] -> [C, out_h, out_w].
  std::vector<uint8_t> out(size_t(channels) * size_t(out_h) * size_t(mid_w));
  for (int c = 0; c < channels; ++c) {
    const uint8_t* plane = mid + size_t(c) * mid_rows * mid_w;
    for (int yy = 0; yy < out_h; ++yy) {
      const auto& w = vert.w[size_t(yy)];
      const int first = vert.first[size_t(yy)] - mid_row0;
      uint8_t* dst = out.data() + (size_t(c) * out_h + size_t(yy)) * mid_w;
      for (int x = 0; x < mid_w; ++x) {
        int32_t acc = 1 << (kPrecisionBits - 1);
        for (size_t t = 0; t < w.size(); ++t) acc += int32_t(plane[size_t(first + int(t)) * mid_w + x]) * w[t];
        dst[x] = clip8(acc);
      }
    }
  }
  return out;
}

}  // namespace faultbench
