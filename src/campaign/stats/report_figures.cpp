// The figures of `faultbench report`: the ones the field's papers show.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report_private.h"
#include "svg_chart.h"

namespace faultbench {

namespace {

const GroupStats* find_group(const ReportData& f, const std::string& grouping, const std::string& group) {
  for (const GroupStats& g : f.groups)
    if (g.grouping == grouping && g.group == group) return &g;
  return nullptr;
}

// Categories of `grouping` over all files: first appearance order.
std::vector<std::string> union_groups(const std::vector<ReportData>& files, const std::string& grouping) {
  std::vector<std::string> out;
  for (const ReportData& f : files)
    for (const GroupStats& g : f.groups)
      if (g.grouping == grouping && std::find(out.begin(), out.end(), g.group) == out.end()) out.push_back(g.group);
  return out;
}

// Image-level critical rate of each category, one series per file, Wilson error bars.
BarChart critical_chart(const std::vector<ReportData>& files, const std::string& grouping,
                        const std::vector<std::string>& categories, double z) {
  BarChart c;
  c.categories = categories;
  for (const ReportData& f : files) {
    BarSeries s;
    s.name = f.source->label;
    for (const std::string& cat : categories) {
      const GroupStats* g = find_group(f, grouping, cat);
      const Rate r = g ? group_rate(*g, RateLevel::Image, 2, z) : Rate{};
      s.values.push_back(g ? r.rate : 0);
      // No faults in the group: no error bar (NaN), the bar is 0.
      s.low.push_back(g ? r.wilson.low : std::nan(""));
      s.high.push_back(g ? r.wilson.high : std::nan(""));
    }
    c.series.push_back(std::move(s));
  }
  return c;
}

Figure make(std::string file, std::string caption, const BarChart& chart) {
  Figure f;
  f.file = std::move(file);
  f.caption = std::move(caption);
  f.svg = render_bar_chart(chart, &f.marks);
  return f;
}

}  // namespace

std::vector<Figure> report_figures(const std::vector<ReportData>& files, double z) {
  std::vector<Figure> out;
  const std::string interval = fmt::format("Wilson score interval, z = {:.4f}", z);
  if (files.size() > 1) {
    BarChart c = critical_chart(files, "model", {"all"}, z);
    c.title = "Critical rate per file";
    c.x_label = "all faults";
    c.y_label = "critical injections / injections";
    out.push_back(
        make("fig_files_critical.svg", "Image-level critical rate of each file, side by side (" + interval + ").", c));
  }
  const std::vector<std::string> layers = union_groups(files, "layer");
  {
    BarChart c = critical_chart(files, "layer", layers, z);
    c.title = "Critical rate per layer";
    c.x_label = "layer";
    c.y_label = "critical injections / injections";
    c.rotate_labels = true;
    out.push_back(
        make("fig_layer_critical.svg", "Image-level critical rate per layer, with error bars (" + interval + ").", c));
  }
  {
    std::vector<std::string> bits;
    for (int b = 0; b < 32; ++b) bits.push_back(std::to_string(b));
    BarChart c = critical_chart(files, "bit", bits, z);
    c.title = "Critical rate per bit position";
    c.x_label = "bit (31 sign, 30-23 exponent, 22-0 mantissa)";
    c.y_label = "critical injections / injections (log)";
    c.log_y = true;
    out.push_back(make(
        "fig_bit_critical.svg",
        "Image-level critical rate per bit position, log scale; a hollow tick marks a rate of 0 (" + interval + ").",
        c));
  }
  for (size_t i = 0; i < files.size(); ++i) {
    const ReportData& f = files[i];
    BarChart c;
    c.title = "Class shares per layer: " + f.source->label;
    c.x_label = "layer";
    c.y_label = "share of injections";
    c.stacked = true;
    c.rotate_labels = true;
    const char* colors[] = {"#59a14f", "#4e79a7", "#e15759"};
    for (int cls = 0; cls < 3; ++cls) c.series.push_back(BarSeries{kClasses[cls], colors[cls], {}, {}, {}});
    for (const GroupStats& g : f.groups) {
      if (g.grouping != "layer") continue;
      c.categories.push_back(g.group);
      const double n = double(std::max<int64_t>(g.fault_images, 1));
      c.series[0].values.push_back(double(g.images.masked) / n);
      c.series[1].values.push_back(double(g.images.non_critical) / n);
      c.series[2].values.push_back(double(g.images.critical) / n);
    }
    out.push_back(make(
        fmt::format("fig_layer_classes_{}.svg", i + 1),
        "Shares of masked, non-critical and critical injections per layer (stacked): " + f.source->label + ".", c));
  }
  {
    BarChart c;
    c.title = "Distribution of per-fault critical counts";
    c.x_label = "images for which the fault is critical";
    c.y_label = "share of faults";
    c.rotate_labels = true;
    size_t bins = 0;
    for (const ReportData& f : files) bins = std::max(bins, f.histogram.size());
    for (size_t b = 0; b < bins; ++b) c.categories.push_back(histogram_bin_label(b));
    for (const ReportData& f : files) {
      BarSeries s;
      s.name = f.source->label;
      const double total = double(std::max<size_t>(f.source->table.rows.size(), 1));
      for (size_t b = 0; b < bins; ++b) s.values.push_back(b < f.histogram.size() ? double(f.histogram[b]) / total : 0);
      c.series.push_back(std::move(s));
    }
    out.push_back(make("fig_critical_histogram.svg",
                       "Share of faults by the number of images for which they are critical (bins of powers of two).",
                       c));
  }
  return out;
}

}  // namespace faultbench
