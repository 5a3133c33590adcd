// summary.json and the long-format CSVs of `faultbench report` (docs/REPORT.md).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "faultbench/campaign/report.h"
#include "faultbench/util/build_info.h"
#include "report_private.h"

namespace faultbench {

namespace {

nlohmann::ordered_json interval_json(const stats::Interval& i) {
  return {{"low", i.low}, {"high", i.high}, {"half_width", i.half_width()}};
}

nlohmann::ordered_json rates_json(const GroupStats& g, RateLevel level, double z) {
  nlohmann::ordered_json j;
  for (int c = 0; c < 4; ++c) {
    if (c == 3 && !g.has_due) {
      j[kClasses[c]] = nullptr;
      continue;
    }
    const Rate r = group_rate(g, level, c, z);
    j[kClasses[c]] = {{"rate", r.rate},
                      {"wilson", interval_json(r.wilson)},
                      {"leveugle_fpc", r.leveugle_fpc ? interval_json(*r.leveugle_fpc) : nlohmann::ordered_json()}};
  }
  return j;
}

nlohmann::ordered_json counts_json(const ClassCounts& c, bool has_due) {
  nlohmann::ordered_json j = {{"masked", c.masked}, {"non_critical", c.non_critical}, {"critical", c.critical}};
  j["due"] = has_due ? nlohmann::ordered_json(c.due) : nlohmann::ordered_json();
  return j;
}

nlohmann::ordered_json group_json(const GroupStats& g, double z) {
  nlohmann::ordered_json j = {{"group", g.group}, {"faults", g.faults}, {"fault_images", g.fault_images}};
  j["population"] = g.population ? nlohmann::ordered_json(int64_t(*g.population)) : nlohmann::ordered_json();
  j["injections"] = counts_json(g.images, g.has_due);
  j["faults_by_worst_class"] = counts_json(g.worst, g.has_due);
  j["image_level"] = rates_json(g, RateLevel::Image, z);
  j["fault_level"] = rates_json(g, RateLevel::Fault, z);
  // Critical for at least one image: the worst-class count when there is no DUE.
  GroupStats any = g;
  any.worst.critical = g.critical_any;
  const Rate r = group_rate(any, RateLevel::Fault, 2, z);
  j["critical_for_at_least_one_image"] = {
      {"faults", g.critical_any},
      {"rate", r.rate},
      {"wilson", interval_json(r.wilson)},
      {"leveugle_fpc", r.leveugle_fpc ? interval_json(*r.leveugle_fpc) : nlohmann::ordered_json()}};
  return j;
}

std::string opt(const std::optional<double>& v) { return v ? fmt::format("{}", *v) : std::string(); }

}  // namespace

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string histogram_bin_label(size_t bin) {
  if (bin == 0) return "0";
  const int64_t low = int64_t(1) << (bin - 1), high = (int64_t(1) << bin) - 1;
  return low == high ? std::to_string(low) : fmt::format("{}-{}", low, high);
}

std::string summary_json(const std::vector<ReportData>& files, double confidence, double z) {
  nlohmann::ordered_json j;
  j["faultbench_version"] = faultbench_version();
  j["confidence"] = confidence;
  j["z"] = z;
  j["intervals"] = {
      {"wilson",
       "Wilson score interval over the group's n sampled faults (image level: the mean of per-fault rates, "
       "bounded by the binomial variance p(1-p)/n)"},
      {"leveugle_fpc",
       "p +- z sqrt(p(1-p)/n * (N-n)/(N-1)) at the observed p, n sampled faults, N the group's fault population "
       "(weights x 32 bits x 2 polarities, Leveugle et al., DATE 2009); null when the model is unknown"}};
  j["levels"] = {{"image_level", "injections (fault x image) of the class / all injections of the group"},
                 {"fault_level",
                  "faults whose worst outcome (due > critical > non_critical > masked) is the class / "
                  "faults of the group"}};
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const ReportData& f : files) {
    const ReportSource& s = *f.source;
    nlohmann::ordered_json fj = {
        {"path", s.path.string()},      {"label", s.label},       {"metadata", s.metadata},       {"model", s.model},
        {"dataset", s.dataset},         {"numerics", s.numerics}, {"fault_model", s.fault_model}, {"images", s.images},
        {"faults", s.table.rows.size()}};
    const GroupStats& all = f.groups.front();
    fj["totals"] = counts_json(all.images, all.has_due);
    nlohmann::ordered_json groupings;
    for (const GroupStats& g : f.groups) {
      if (!groupings.contains(g.grouping)) groupings[g.grouping] = nlohmann::ordered_json::array();
      groupings[g.grouping].push_back(group_json(g, z));
    }
    fj["groupings"] = groupings;
    nlohmann::ordered_json hist = nlohmann::ordered_json::array();
    for (size_t b = 0; b < f.histogram.size(); ++b)
      hist.push_back({{"critical_images", histogram_bin_label(b)}, {"faults", f.histogram[b]}});
    fj["critical_histogram"] = hist;
    list.push_back(fj);
  }
  j["files"] = list;
  return j.dump(2) + "\n";
}

std::string rates_csv(const std::vector<ReportData>& files, double z) {
  std::string out =
      "file,grouping,group,faults,fault_images,population,masked,non_critical,critical,due,"
      "faults_masked,faults_non_critical,faults_critical,faults_due,faults_critical_any";
  for (const char* level : {"image", "fault"})
    for (const char* cls : kClasses)
      for (const char* col : {"rate", "wilson_low", "wilson_high", "leveugle_fpc_low", "leveugle_fpc_high"})
        out += fmt::format(",{}_{}_{}", level, cls, col);
  out += "\n";
  for (const ReportData& f : files) {
    for (const GroupStats& g : f.groups) {
      const std::string due = g.has_due ? std::to_string(g.images.due) : "";
      const std::string worst_due = g.has_due ? std::to_string(g.worst.due) : "";
      out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}", csv_field(f.source->label), g.grouping,
                         csv_field(g.group), g.faults, g.fault_images, opt(g.population), g.images.masked,
                         g.images.non_critical, g.images.critical, due, g.worst.masked, g.worst.non_critical,
                         g.worst.critical, worst_due, g.critical_any);
      for (RateLevel level : {RateLevel::Image, RateLevel::Fault})
        for (int c = 0; c < 4; ++c) {
          if (c == 3 && !g.has_due) {
            out += ",,,,,";
            continue;
          }
          const Rate r = group_rate(g, level, c, z);
          out += fmt::format(",{},{},{},{},{}", r.rate, r.wilson.low, r.wilson.high,
                             r.leveugle_fpc ? fmt::format("{}", r.leveugle_fpc->low) : "",
                             r.leveugle_fpc ? fmt::format("{}", r.leveugle_fpc->high) : "");
        }
      out += "\n";
    }
  }
  return out;
}

std::string histogram_csv(const std::vector<ReportData>& files) {
  std::string out = "file,critical_images,faults,share\n";
  for (const ReportData& f : files) {
    const double total = double(f.source->table.rows.size());
    for (size_t b = 0; b < f.histogram.size(); ++b)
      out += fmt::format("{},{},{},{}\n", csv_field(f.source->label), histogram_bin_label(b), f.histogram[b],
                         total > 0 ? double(f.histogram[b]) / total : 0.0);
  }
  return out;
}

}  // namespace faultbench
