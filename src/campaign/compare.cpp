#include "faultbench/campaign/compare.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include <fmt/format.h>

namespace faultbench {

namespace {

// Counts are only checked to be >= 0 when read, so the totals of a hostile file could
// overflow int64 (UBSan finding of fuzz/fuzz_results_csv.cpp): add with a check.
void add_count(int64_t& total, int64_t v, const ResultTable& t) {
  if (__builtin_add_overflow(total, v, &total))
    throw FormatError(fmt::format("{}: counts too large: their total overflows a 64-bit integer", t.source));
}

void add_row(ClassTotals& totals, const ResultRow& row, const ResultTable& t) {
  add_count(totals.masked, row.masked, t), add_count(totals.non_critical, row.non_critical, t);
  add_count(totals.critical, row.critical, t), add_count(totals.images, row.n_injections, t);
}

// What the comparison is about for one fault: its critical count, or its critical rate.
double value(const ResultRow& row, bool rates, const ResultTable& t) {
  if (!rates) return double(row.critical);
  if (row.n_injections == 0)
    throw FormatError(fmt::format("{}:{}: n_injections is 0: the fault has no rate to compare", t.source, row.line));
  return double(row.critical) / double(row.n_injections);
}

void widen(ImageRange& range, int64_t n, bool first) {
  range.min = first ? n : std::min(range.min, n);
  range.max = first ? n : std::max(range.max, n);
}

const char* kSiteColumns = "Layer, TensorIndex, Bit";

std::string pairing_text(const CompareReport& r) {
  if (r.pairing == Pairing::Site) return fmt::format("paired by {}", kSiteColumns);
  return fmt::format("paired by Injection id: {}", r.pairing_note);
}

// "line 2: conv1 (3, 0, 2, 1) bit 15" or "line 2: Injection 7".
std::string describe(const ResultRow& row, Pairing pairing) {
  if (pairing == Pairing::Site) return fmt::format("line {}: {}", row.line, describe_site(row));
  return fmt::format("line {}: Injection {}", row.line, row.injection);
}

std::string one_side(int64_t count, const std::vector<const ResultRow*>& first, Pairing pairing, const char* side) {
  std::string s = fmt::format("{} only in {}", count, side);
  if (first.empty()) return s;
  s += " (";
  for (size_t i = 0; i < first.size(); ++i) s += (i ? ", " : "") + describe(*first[i], pairing);
  return s + (int64_t(first.size()) < count ? ", ...)" : ")");
}

// "3 only in A (line 2: ..., ...), 0 only in B, 2 in both".
std::string fault_sets(const CompareReport& r) {
  return fmt::format("{}, {}, {} in both", one_side(r.only_a, r.only_a_first, r.pairing, "A"),
                     one_side(r.only_b, r.only_b_first, r.pairing, "B"), r.matched);
}

std::string range_text(const ImageRange& range) {
  return range.min == range.max ? std::to_string(range.min) : fmt::format("{}..{}", range.min, range.max);
}

}  // namespace

CompareReport compare_results(const ResultTable& a, const ResultTable& b, size_t worst) {
  return compare_results(a, b, CompareOptions{.worst = worst});
}

CompareReport compare_results(const ResultTable& a, const ResultTable& b, const CompareOptions& options) {
  CompareReport r;
  r.rates = options.rates;
  r.pairing = a.has_sites && b.has_sites ? Pairing::Site : Pairing::Injection;
  if (r.pairing == Pairing::Injection)
    r.pairing_note = a.has_sites   ? fmt::format("B has no {} columns", kSiteColumns)
                     : b.has_sites ? fmt::format("A has no {} columns", kSiteColumns)
                                   : fmt::format("neither file has {} columns", kSiteColumns);
  std::unordered_map<std::string, size_t> by_site;
  std::unordered_map<int64_t, size_t> by_id;
  for (size_t i = 0; i < b.rows.size(); ++i) {
    if (r.pairing == Pairing::Site)
      by_site.emplace(site_key(b.rows[i]), i);
    else
      by_id.emplace(b.rows[i].injection, i);
  }
  std::vector<bool> b_matched(b.rows.size(), false);
  std::vector<Disagreement> pairs;
  for (const ResultRow& ra : a.rows) {
    size_t j = 0;
    if (r.pairing == Pairing::Site) {
      auto it = by_site.find(site_key(ra));
      if (it == by_site.end())
        j = b.rows.size();
      else
        j = it->second;
    } else {
      auto it = by_id.find(ra.injection);
      if (it == by_id.end())
        j = b.rows.size();
      else
        j = it->second;
    }
    if (j == b.rows.size()) {
      if (r.only_a_first.size() < options.examples) r.only_a_first.push_back(&ra);
      ++r.only_a;
      continue;
    }
    b_matched[j] = true;
    const ResultRow& rb = b.rows[j];
    widen(r.images_a, ra.n_injections, pairs.empty());
    widen(r.images_b, rb.n_injections, pairs.empty());
    if (ra.n_injections != rb.n_injections) ++r.image_mismatches;
    pairs.push_back({&ra, &rb, value(rb, r.rates, b) - value(ra, r.rates, a)});
  }
  for (size_t j = 0; j < b.rows.size(); ++j)
    if (!b_matched[j] && r.only_b_first.size() < options.examples) r.only_b_first.push_back(&b.rows[j]);
  r.matched = int64_t(pairs.size());
  r.only_b = int64_t(b.rows.size()) - r.matched;

  double sx = 0, sy = 0, sad = 0;
  for (const Disagreement& d : pairs) {
    add_row(r.a, *d.a, a);
    add_row(r.b, *d.b, b);
    sx += value(*d.a, r.rates, a);
    sy += value(*d.b, r.rates, b);
    sad += std::fabs(d.diff);
    r.max_abs_diff = std::max(r.max_abs_diff, std::fabs(d.diff));
  }
  if (!pairs.empty()) {
    const double n = double(pairs.size()), mx = sx / n, my = sy / n;
    double cxy = 0, cxx = 0, cyy = 0;
    for (const Disagreement& d : pairs) {
      const double dx = value(*d.a, r.rates, a) - mx, dy = value(*d.b, r.rates, b) - my;
      cxy += dx * dy, cxx += dx * dx, cyy += dy * dy;
    }
    if (cxx > 0 && cyy > 0) r.correlation = cxy / std::sqrt(cxx * cyy);
    r.mean_abs_diff = sad / n;
  }
  std::stable_sort(pairs.begin(), pairs.end(), [](const Disagreement& x, const Disagreement& y) {
    if (std::fabs(x.diff) != std::fabs(y.diff)) return std::fabs(x.diff) > std::fabs(y.diff);
    return x.a->injection < y.a->injection;
  });
  for (const Disagreement& d : pairs) {
    if (r.worst.size() >= options.worst || d.diff == 0) break;
    r.worst.push_back(d);
  }
  return r;
}

void require_comparable(const CompareReport& r, const CompareOptions& options, const std::string& name_a,
                        const std::string& name_b) {
  const std::string files = fmt::format("compare: A = {} and B = {}", name_a, name_b);
  if (r.matched == 0)
    throw NotComparableError(
        fmt::format("{} have no fault in common ({}): {}; nothing to compare", files, pairing_text(r), fault_sets(r)));
  std::string problems;
  if ((r.only_a > 0 || r.only_b > 0) && !options.allow_partial)
    problems += fmt::format("\n  - the fault sets differ ({}): {}; --allow-partial compares the {} common faults",
                            pairing_text(r), fault_sets(r), r.matched);
  if (r.image_mismatches > 0 && !options.rates)
    problems += fmt::format(
        "\n  - the image counts differ: n_injections is {} in A, {} in B (on {} of the {} common faults): counts over "
        "different images do not compare; --rates compares rates (count / n_injections)",
        range_text(r.images_a), range_text(r.images_b), r.image_mismatches, r.matched);
  if (!problems.empty()) throw NotComparableError(files + " are not comparable as they are:" + problems);
}

std::vector<std::string> compare_warnings(const CompareReport& r) {
  if (r.only_a == 0 && r.only_b == 0) return {};
  return {
      fmt::format("comparing only the {} faults in both files ({}): {}", r.matched, pairing_text(r), fault_sets(r))};
}

std::string format_compare_report(const CompareReport& r, const std::string& name_a, const std::string& name_b) {
  std::string s;
  s += fmt::format("A: {}\nB: {}\n", name_a, name_b);
  const std::string by = r.pairing == Pairing::Site ? kSiteColumns : fmt::format("Injection ({})", r.pairing_note);
  s += fmt::format("faults matched by {}: {} (only in A: {}, only in B: {})\n", by, r.matched, r.only_a, r.only_b);
  s += fmt::format("images per fault: A {}, B {}\n", range_text(r.images_a), range_text(r.images_b));
  if (r.rates) s += "compared as rates (count / n_injections); totals in % of the fault-images\n";
  s += fmt::format("{:<4}{:>14}{:>14}{:>14}\n", "", "masked", "non_critical", "critical");
  for (const auto& [side, t] : {std::pair{"A", &r.a}, {"B", &r.b}}) {
    if (!r.rates) {
      s += fmt::format("{:<4}{:>14}{:>14}{:>14}\n", side, t->masked, t->non_critical, t->critical);
    } else {
      const double n = t->images > 0 ? double(t->images) : 1.0;
      s += fmt::format("{:<4}{:>14.6f}{:>14.6f}{:>14.6f}\n", side, 100.0 * double(t->masked) / n,
                       100.0 * double(t->non_critical) / n, 100.0 * double(t->critical) / n);
    }
  }
  s += r.correlation ? fmt::format("critical correlation: {:.6f}\n", *r.correlation)
                     : std::string("critical correlation: undefined (a column is constant)\n");
  if (!r.rates)
    s +=
        fmt::format("critical mean absolute difference: {:.4f} images (max {:.0f})\n", r.mean_abs_diff, r.max_abs_diff);
  else
    s += fmt::format("critical mean absolute difference: {:.6f} % of the images (max {:.4f} %)\n",
                     100.0 * r.mean_abs_diff, 100.0 * r.max_abs_diff);
  if (!r.worst.empty()) {
    s += fmt::format("faults that disagree most (critical{}, B - A):\n", r.rates ? " %" : "");
    s += fmt::format("{:>10}  {:<24}{:<18}{:>4}{:>10}{:>10}{:>{}}\n", "Injection", "Layer", "TensorIndex", "Bit", "A",
                     "B", "diff", r.rates ? 10 : 8);
    for (const Disagreement& d : r.worst) {
      const ResultRow& x = d.a->layer.empty() ? *d.b : *d.a;
      const std::string bit = x.bit >= 0 ? std::to_string(x.bit) : "";
      if (!r.rates)
        s += fmt::format("{:>10}  {:<24}{:<18}{:>4}{:>10}{:>10}{:>+8.0f}\n", d.a->injection, x.layer, x.tensor_index,
                         bit, d.a->critical, d.b->critical, d.diff);
      else
        s += fmt::format("{:>10}  {:<24}{:<18}{:>4}{:>10.4f}{:>10.4f}{:>+10.4f}\n", d.a->injection, x.layer,
                         x.tensor_index, bit, 100.0 * double(d.a->critical) / double(d.a->n_injections),
                         100.0 * double(d.b->critical) / double(d.b->n_injections), 100.0 * d.diff);
    }
  }
  return s;
}

}  // namespace faultbench
