// Internals of `faultbench report` shared by its files (report.h is the interface).
#pragma once
#include <string>
#include <vector>

#include "faultbench/campaign/report.h"

namespace faultbench {

// One input file with its computed groups.
struct ReportData {
  const ReportSource* source = nullptr;
  std::vector<GroupStats> groups;  // group_stats() order; groups.front() is the whole model
  std::vector<int64_t> histogram;  // critical_histogram()
};

// A figure of the page, also written as DIR/<file>.
struct Figure {
  std::string file;     // "fig_layer_critical.svg"
  std::string caption;  // what it shows, for the page
  std::string svg;      // a standalone SVG document
  int marks = 0;        // data marks drawn (bars or points)
};

std::string csv_field(const std::string& s);
std::string html_escape(const std::string& s);
std::string histogram_bin_label(size_t bin);  // "0", "1", "2-3", "4-7", ...

std::string summary_json(const std::vector<ReportData>& files, double confidence, double z);
std::string rates_csv(const std::vector<ReportData>& files, double z);
std::string histogram_csv(const std::vector<ReportData>& files);

std::vector<Figure> report_figures(const std::vector<ReportData>& files, double z);
std::string report_html(const std::vector<ReportData>& files, const std::vector<Figure>& figures, double confidence,
                        double z);

}  // namespace faultbench
