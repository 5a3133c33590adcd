// report.html: one self-contained page (inline style and SVG figures, no script, no
// network: its Content-Security-Policy forbids every fetch).
#include <fmt/format.h>

#include "faultbench/util/build_info.h"
#include "report_private.h"

namespace faultbench {

namespace {

constexpr const char* kStyle = R"(body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px}table{border-collapse:collapse;margin:8px 0;font-size:13px}
td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}
figure{margin:16px 0;overflow-x:auto}figcaption{font-size:13px;color:#555;margin-top:4px}
details{margin:10px 0}summary{cursor:pointer;font-weight:bold}p.note{font-size:13px;color:#555;max-width:900px})";

std::string pct(double v) { return fmt::format("{:.3f}%", 100 * v); }

std::string interval_cell(const Rate& r) {
  std::string s = fmt::format("{} <small>[{}, {}]", pct(r.rate), pct(r.wilson.low), pct(r.wilson.high));
  if (r.leveugle_fpc) s += fmt::format(" &plusmn;{}", pct(r.leveugle_fpc->half_width()));
  return s + "</small>";
}

std::string group_table(const ReportData& f, const std::string& grouping, double z) {
  std::string t = fmt::format(
      "<table class=\"groups\" data-grouping=\"{}\"><tr><th class=\"l\">{}</th><th>faults</th><th>injections</th>"
      "<th>critical (image level)</th><th>non-critical</th><th>masked</th><th>critical faults (fault level)</th>"
      "<th>critical for &ge; 1 image</th></tr>\n",
      grouping, grouping);
  for (const GroupStats& g : f.groups) {
    if (g.grouping != grouping) continue;
    GroupStats any = g;
    any.worst.critical = g.critical_any;
    t += fmt::format(
        "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td></tr>\n",
        html_escape(g.group), g.faults, g.fault_images, interval_cell(group_rate(g, RateLevel::Image, 2, z)),
        pct(group_rate(g, RateLevel::Image, 1, z).rate), pct(group_rate(g, RateLevel::Image, 0, z).rate),
        interval_cell(group_rate(g, RateLevel::Fault, 2, z)), interval_cell(group_rate(any, RateLevel::Fault, 2, z)));
  }
  return t + "</table>\n";
}

}  // namespace

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string report_html(const std::vector<ReportData>& files, const std::vector<Figure>& figures, double confidence,
                        double z) {
  std::string h = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
      "<title>faultbench report</title>\n<style>{}</style></head><body>\n<h1>faultbench report</h1>\n"
      "<p class=\"note\">faultbench {}. Intervals at {}% confidence (z = {:.4f}): the rate, [Wilson score interval] "
      "&plusmn; the Leveugle margin with finite population correction (shown when the model, hence the fault "
      "population, is known). Image level: critical injections / injections; fault level: faults whose worst "
      "outcome is critical / faults. The sampling unit is the fault: intervals are over the faults of each group. "
      "Tables and numbers: summary.json, rates.csv.</p>\n",
      kStyle, faultbench_version(), 100 * confidence, z);
  h += "<h2>Files</h2>\n<table id=\"files\"><tr><th class=\"l\">file</th><th class=\"l\">model</th><th class=\"l\">"
       "dataset</th><th class=\"l\">numerics</th><th class=\"l\">fault model</th><th>images</th><th>faults</th>"
       "<th class=\"l\">metadata from</th><th>critical (image level)</th><th>critical (fault level)</th></tr>\n";
  for (const ReportData& f : files) {
    const ReportSource& s = *f.source;
    h += fmt::format(
        "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td>"
        "<td class=\"l\">{}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td></tr>\n",
        html_escape(s.label), html_escape(s.model), html_escape(s.dataset),
        s.numerics.empty() ? std::string("(not recorded)") : html_escape(s.numerics), html_escape(s.fault_model),
        s.images, s.table.rows.size(), s.metadata, interval_cell(group_rate(f.groups.front(), RateLevel::Image, 2, z)),
        interval_cell(group_rate(f.groups.front(), RateLevel::Fault, 2, z)));
  }
  h += "</table>\n<h2>Figures</h2>\n";
  for (const Figure& fig : figures) {
    std::string svg = fig.svg;
    h += fmt::format("<figure class=\"figure\" id=\"{}\">\n{}<figcaption>{} (<code>{}</code>)</figcaption></figure>\n",
                     fig.file.substr(0, fig.file.size() - 4), svg, html_escape(fig.caption), fig.file);
  }
  h += "<h2>Tables</h2>\n";
  for (const ReportData& f : files) {
    h += fmt::format("<details><summary>{}</summary>\n", html_escape(f.source->label));
    for (const char* grouping : {"layer_type", "bit_field", "layer", "bit"})
      h += fmt::format("<h3>per {}</h3>\n", grouping) + group_table(f, grouping, z);
    h += "</details>\n";
  }
  return h + "</body></html>\n";
}

}  // namespace faultbench
