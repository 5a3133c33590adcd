// Per-group counts of a result table and the rates with their intervals (report.h).
#include <algorithm>
#include <bit>

#include "faultbench/campaign/report.h"
#include "faultbench/error.h"
#include "faultbench/faults/activation_sites.h"
#include "faultbench/faults/fault.h"
#include "faultbench/zoo/zoo.h"

namespace faultbench {

namespace {

constexpr int64_t kPolarities = 2;  // stuck-at-0 and stuck-at-1, as the Leveugle lists count

// "conv" for a 4-D weight index "(o, i, kh, kw)", "linear" for "(o, i)".
std::string layer_type_of_arity(size_t dims) {
  return dims == 4 ? "conv" : dims == 2 ? "linear" : dims == 0 ? "unknown" : std::to_string(dims) + "-d";
}

std::string layer_type(const std::string& tensor_index) {
  if (tensor_index.empty()) return "unknown";
  return layer_type_of_arity(size_t(std::count(tensor_index.begin(), tensor_index.end(), ',')) + 1);
}

// The bits of the format that belong to `field` (weight_bit_field decides).
int bit_field_width(Numerics numerics, const std::string& field) {
  int width = 0;
  for (int b = 0; b < numerics_weight_bits(numerics); ++b) width += field == weight_bit_field(numerics, b);
  return width;
}

void add(GroupStats& g, const ResultRow& r) {
  ++g.faults;
  g.fault_images += r.n_injections;
  g.images.masked += r.masked;
  g.images.non_critical += r.non_critical;
  g.images.critical += r.critical;
  g.images.due += r.due;
  if (r.due > 0)
    ++g.worst.due;
  else if (r.critical > 0)
    ++g.worst.critical;
  else if (r.non_critical > 0)
    ++g.worst.non_critical;
  else
    ++g.worst.masked;
  if (r.critical > 0) ++g.critical_any;
}

}  // namespace

int64_t ClassCounts::get(int cls) const {
  switch (cls) {
    case 0: return masked;
    case 1: return non_critical;
    case 2: return critical;
    case 3: return due;
  }
  FAULTBENCH_CHECK(false, "ClassCounts::get: no such class");
  return 0;
}

Populations zoo_populations(const std::string& model, const std::string& dataset, Numerics numerics,
                            const std::string& target) {
  Populations p;
  p.numerics = numerics;
  if (model.empty() || dataset.empty()) return p;
  const Graph graph = build_model(model, dataset);
  for (const WeightSite& s : target == "activations" ? activation_sites(graph) : fault_sites(graph)) {
    int64_t w = 1;
    for (int64_t d : s.shape) w *= d;
    p.layer_weights[s.layer] += w;
    p.type_weights[layer_type_of_arity(s.shape.size())] += w;
    p.weights += w;
  }
  return p;
}

Rate group_rate(const GroupStats& g, RateLevel level, int cls, double z) {
  Rate r;
  const ClassCounts& counts = level == RateLevel::Image ? g.images : g.worst;
  const double denominator = double(level == RateLevel::Image ? g.fault_images : g.faults);
  r.rate = denominator > 0 ? double(counts.get(cls)) / denominator : 0;
  // Over the n sampled faults (report.h: an image-level rate is a mean of per-fault rates).
  const double n = double(g.faults);
  r.wilson = stats::wilson_interval(r.rate * n, n, z);
  r.wilson.estimate = r.rate;
  if (g.population) {
    r.leveugle_fpc = stats::leveugle_fpc_interval(r.rate * n, n, *g.population, z);
    r.leveugle_fpc->estimate = r.rate;
  }
  return r;
}

std::vector<GroupStats> group_stats(const ResultTable& table, const Populations& pop, bool has_due) {
  auto make = [&](std::string grouping, std::string group, std::optional<double> population) {
    GroupStats g;
    g.grouping = std::move(grouping);
    g.group = std::move(group);
    g.population = population;
    g.has_due = has_due;
    return g;
  };
  const int64_t bits_per_site = numerics_weight_bits(pop.numerics);
  // n sites x `per_site` faults each; none when the list's faults are not single bits.
  auto weights_pop = [&](int64_t sites, int64_t per_site) -> std::optional<double> {
    if (!pop.single_bit || sites <= 0 || per_site <= 0) return std::nullopt;
    return double(sites) * double(per_site);
  };
  std::vector<GroupStats> out;
  GroupStats all =
      make("model", "all", pop.sampled ? pop.sampled : weights_pop(pop.weights, bits_per_site * kPolarities));
  std::vector<GroupStats> layers, bits(32), types, fields;
  std::map<std::string, size_t> layer_at, type_at, field_at;
  auto find_or_add = [&](std::vector<GroupStats>& v, std::map<std::string, size_t>& at, const std::string& grouping,
                         const std::string& group, std::optional<double> population) -> GroupStats& {
    auto [it, fresh] = at.emplace(group, v.size());
    if (fresh) v.push_back(make(grouping, group, population));
    return v[it->second];
  };
  for (int b = 0; b < 32; ++b) bits[size_t(b)] = make("bit", std::to_string(b), weights_pop(pop.weights, kPolarities));
  for (const ResultRow& r : table.rows) {
    add(all, r);
    const auto lw = pop.layer_weights.find(r.layer);
    add(find_or_add(
            layers, layer_at, "layer", r.layer.empty() ? "unknown" : r.layer,
            lw == pop.layer_weights.end() ? std::nullopt : weights_pop(lw->second, bits_per_site * kPolarities)),
        r);
    const std::string type = layer_type(r.tensor_index);
    const auto tw = pop.type_weights.find(type);
    add(find_or_add(types, type_at, "layer_type", type,
                    tw == pop.type_weights.end() ? std::nullopt : weights_pop(tw->second, bits_per_site * kPolarities)),
        r);
    if (r.bit >= 0) {
      add(bits[size_t(r.bit)], r);
      // A bit beyond the format (a list of another format) has no field.
      const std::string field = r.bit < bits_per_site ? weight_bit_field(pop.numerics, r.bit) : "unknown";
      add(find_or_add(fields, field_at, "bit_field", field,
                      weights_pop(pop.weights, kPolarities * bit_field_width(pop.numerics, field))),
          r);
    }
  }
  out.push_back(std::move(all));
  for (GroupStats& g : layers) out.push_back(std::move(g));
  for (GroupStats& g : bits)
    if (g.faults > 0) out.push_back(std::move(g));
  std::sort(types.begin(), types.end(), [](const GroupStats& a, const GroupStats& b) { return a.group < b.group; });
  for (GroupStats& g : types) out.push_back(std::move(g));
  for (const char* f : {"sign", "exponent", "mantissa", "value", "unknown"})
    if (auto it = field_at.find(f); it != field_at.end()) out.push_back(std::move(fields[it->second]));
  return out;
}

std::vector<int64_t> critical_histogram(const ResultTable& table) {
  std::vector<int64_t> bins(1, 0);
  for (const ResultRow& r : table.rows) {
    const size_t bin = r.critical == 0 ? 0 : size_t(std::bit_width(uint64_t(r.critical)));
    if (bins.size() <= bin) bins.resize(bin + 1, 0);
    ++bins[bin];
  }
  return bins;
}

}  // namespace faultbench
