#include "svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace faultbench {

namespace {

// Tableau 10: distinguishable, and readable in grey.
constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

std::string xml(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string number(double v) { return fmt::format("{:.4g}", v); }

struct Scale {
  bool log = false;
  double lo = 0, hi = 1;  // data range (log: powers of ten)
  double top = 0, height = 0;
  double y(double v) const {
    double f;
    if (log) {
      v = std::max(v, lo);
      f = (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    } else {
      f = (v - lo) / (hi - lo);
    }
    return top + height * (1 - std::clamp(f, 0.0, 1.0));
  }
  std::vector<double> ticks() const {
    std::vector<double> t;
    if (log) {
      const int a = int(std::lround(std::log10(lo))), b = int(std::lround(std::log10(hi)));
      for (int k = a; k <= b; ++k) t.push_back(std::pow(10.0, k));
      return t;
    }
    const double step = (hi - lo) / 5;
    for (int i = 0; i <= 5; ++i) t.push_back(lo + step * i);
    return t;
  }
};

// 1, 2 or 5 times a power of ten, at least x.
double nice_ceiling(double x) {
  if (!(x > 0)) return 1;
  const double p = std::pow(10, std::floor(std::log10(x)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= x * (1 - 1e-12)) return m * p;
  return 10 * p;
}

Scale make_scale(const BarChart& c) {
  Scale s;
  s.log = c.log_y;
  if (c.stacked) return s;
  double max = 0, min_positive = INFINITY;
  for (const BarSeries& b : c.series) {
    for (double v : b.values) {
      max = std::max(max, v);
      if (v > 0) min_positive = std::min(min_positive, v);
    }
    // Error bars reach above the bars; below the floor of a log axis they are clipped
    // (a Wilson bound near 0 would otherwise stretch the axis over many decades).
    for (double v : b.high)
      if (!std::isnan(v)) max = std::max(max, v);
  }
  if (s.log) {
    if (!std::isfinite(min_positive) || max <= 0) {
      s.lo = 1e-4;
      s.hi = 1;
    } else {
      s.lo = std::pow(10, std::floor(std::log10(min_positive)));
      s.hi = std::pow(10, std::ceil(std::log10(max)));
      if (s.hi <= s.lo) s.hi = s.lo * 10;
    }
  } else {
    s.hi = nice_ceiling(max * 1.05);
  }
  return s;
}

}  // namespace

std::string render_bar_chart(const BarChart& c, int* marks_out) {
  const size_t nc = c.categories.size(), ns = c.series.size();
  const double bar = c.stacked ? 18 : std::clamp(48.0 / double(std::max<size_t>(ns, 1)), 4.0, 18.0);
  const double group = (c.stacked ? bar : bar * double(ns)) + 8;
  size_t longest = 0;
  for (const std::string& cat : c.categories) longest = std::max(longest, cat.size());
  const double left = 70, right = 20, plot_h = 260;
  const int legend_rows = int((ns + 3) / 4);
  const double top = 36 + 18 * legend_rows;
  const double label_h = c.rotate_labels ? std::min(150.0, 12 + 5.5 * double(longest)) : 22;
  const double width = std::max(560.0, left + group * double(nc) + right);
  const double height = top + plot_h + label_h + 26;
  Scale s = make_scale(c);
  s.top = top;
  s.height = plot_h;

  std::string o = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">\n<title>{2}</title>\n"
      "<rect width=\"{0}\" height=\"{1}\" fill=\"#ffffff\"/>\n"
      "<text x=\"{3}\" y=\"18\" font-size=\"14\" font-weight=\"bold\">{2}</text>\n",
      width, height, xml(c.title), left);
  // Legend: four entries a row.
  for (size_t i = 0; i < ns; ++i) {
    const double x = left + 200 * double(i % 4), y = 30 + 18 * double(i / 4);
    const std::string color = c.series[i].color.empty() ? kPalette[i % 10] : c.series[i].color;
    o += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/>"
        "<text x=\"{}\" y=\"{}\">{}</text>\n",
        x, y, color, x + 14, y + 9, xml(c.series[i].name.substr(0, 30)));
  }
  // Axes, grid and tick labels.
  for (double t : s.ticks()) {
    const double y = s.y(t);
    o += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.2f}\" y2=\"{:.2f}\" stroke=\"#dddddd\"/>"
        "<text x=\"{}\" y=\"{:.2f}\" text-anchor=\"end\">{}</text>\n",
        left, width - right, y, y, left - 4, y + 4, number(t));
  }
  o += fmt::format(
      "<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#333333\"/>"
      "<line x1=\"{0}\" x2=\"{3}\" y1=\"{2}\" y2=\"{2}\" stroke=\"#333333\"/>\n",
      left, top, top + plot_h, width - right);
  o += fmt::format("<text transform=\"translate(16,{:.1f}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
                   top + plot_h / 2, xml(c.y_label));
  o += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", left + (width - left) / 2,
                   height - 6, xml(c.x_label));

  int marks = 0;
  for (size_t k = 0; k < nc; ++k) {
    const double gx = left + group * double(k) + 4;
    const double label_x = gx + (group - 8) / 2, label_y = top + plot_h + 12;
    if (c.rotate_labels)
      o += fmt::format("<text transform=\"translate({:.1f},{:.1f}) rotate(-45)\" text-anchor=\"end\">{}</text>\n",
                       label_x + 3, label_y, xml(c.categories[k]));
    else
      o += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", label_x, label_y,
                       xml(c.categories[k]));
    double base = 0;  // stacked: the running sum
    for (size_t i = 0; i < ns; ++i) {
      const BarSeries& b = c.series[i];
      const std::string color = b.color.empty() ? kPalette[i % 10] : b.color;
      const double v = k < b.values.size() ? b.values[k] : 0;
      const double x = c.stacked ? gx : gx + bar * double(i);
      const std::string tip = fmt::format("<title>{}, {}: {}</title>", xml(b.name), xml(c.categories[k]), number(v));
      double y0, y1;
      if (c.stacked) {
        y1 = s.y(base + v);
        y0 = s.y(base);
        base += v;
      } else {
        y0 = s.y(s.log ? s.lo : 0);
        y1 = s.y(v);
      }
      if (s.log && v <= 0)  // nothing to draw on a log axis: a hollow tick at the floor says "zero"
        o += fmt::format(
            "<rect class=\"mark zero\" x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"3\" "
            "fill=\"none\" stroke=\"{}\">{}</rect>\n",
            x + 0.5, y0 - 3, bar - 1, color, tip);
      else
        o += fmt::format(
            "<rect class=\"mark\" x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" "
            "fill=\"{}\">{}</rect>\n",
            x + 0.5, std::min(y0, y1), bar - 1, std::fabs(y0 - y1), color, tip);
      ++marks;
      if (!c.stacked && k < b.low.size() && k < b.high.size() && !std::isnan(b.low[k]) && !std::isnan(b.high[k])) {
        const double cx = x + bar / 2, ylo = s.y(b.low[k]), yhi = s.y(b.high[k]);
        o += fmt::format(
            "<path class=\"errorbar\" d=\"M{0:.2f},{1:.2f}V{2:.2f}M{3:.2f},{1:.2f}H{4:.2f}M{3:.2f},"
            "{2:.2f}H{4:.2f}\" stroke=\"#222222\" fill=\"none\"/>\n",
            cx, ylo, yhi, cx - 2.5, cx + 2.5);
      }
    }
  }
  o += "</svg>\n";
  if (marks_out) *marks_out = marks;
  return o;
}

}  // namespace faultbench
