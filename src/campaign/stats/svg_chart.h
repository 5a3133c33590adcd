// Bar charts as standalone SVG: the figures of `faultbench report`.
//
// Written here rather than with a charting library: the report is made by a C++ command
// that runs on cluster nodes and CI machines without node or a browser, its SVG files go
// into papers, and its page must open offline; a JavaScript library (Vega-Lite and friends,
// ~1 MB) would need a JavaScript runtime at report time to produce the SVG files, or a
// second rendering path. One small renderer gives the page and the files the same bytes.
#pragma once
#include <string>
#include <vector>

namespace faultbench {

struct BarSeries {
  std::string name;
  std::string color;              // "" for the palette's next colour
  std::vector<double> values;     // one per category
  std::vector<double> low, high;  // error bars, one per category (NaN: none there); empty: none
};

struct BarChart {
  std::string title, x_label, y_label;
  std::vector<std::string> categories;
  std::vector<BarSeries> series;
  bool log_y = false;    // powers of ten; zero values are drawn as a hollow tick at the floor
  bool stacked = false;  // series stacked in each category (shares summing to 1)
  bool rotate_labels = false;
};

// Every (category, series) value is one <rect class="mark">, every error bar one
// <path class="errorbar">; *marks (when given) receives the number of marks.
std::string render_bar_chart(const BarChart& chart, int* marks = nullptr);

}  // namespace faultbench
