#include "faultbench/faults/sampling.h"

#include <fmt/format.h>

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <limits>
#include <unordered_set>

#include "faultbench/error.h"
#include "faultbench/faults/fault_group.h"
#include "sampling_multi.h"
#include "faultbench/util/py_random.h"

namespace faultbench {

namespace {

constexpr int64_t kPolarities = 2;  // the reference counts stuck-at-0 and stuck-at-1

// Saturated at kMaxDistinct so that twice it stays below the 2^53 a Leveugle population may be.
constexpr int64_t kMaxDistinct = (int64_t(1) << 52) - 1;

int64_t saturating_mul(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r) || r > kMaxDistinct) return kMaxDistinct;
  return r;
}

// C(n, k), saturated at kMaxDistinct (exact below: each partial product C(n, i) is an integer).
int64_t binomial_saturated(int64_t n, int64_t k) {
  if (k < 0 || k > n) return 0;
  __extension__ typedef __int128 Wide;  // C(n, i) * (n - i) needs up to 104 bits
  Wide r = 1;
  for (int64_t i = 0; i < k; ++i) {
    r = r * (n - i) / (i + 1);
    if (r > kMaxDistinct) return kMaxDistinct;
  }
  return int64_t(r);
}

// Python's round(x) for a float: nearest integer, ties to even.
int64_t round_half_even(double x) {
  FAULTBENCH_CHECK(std::isfinite(x) && std::fabs(x) < 9.0e18, "round_half_even: value out of range");
  const int saved = std::fegetround();
  std::fesetround(FE_TONEAREST);
  const double r = std::nearbyint(x);
  std::fesetround(saved);
  return int64_t(r);
}

// round(W_l * n / W): Python computes the integer product exactly, then one correctly
// rounded true division; double(a) / double(b) is the same when a and b are exact doubles.
int64_t allocate(int64_t weights_layer, int64_t n, int64_t weights_total) {
  FAULTBENCH_CHECK(weights_total > 0, "allocate: no weights");
  FAULTBENCH_CHECK(weights_layer >= 0 && n >= 0, "allocate: negative count");
  if (n != 0 && weights_layer > (int64_t(1) << 53) / n)
    throw UsageError(fmt::format("sample size {} too large for a layer of {} weights", n, weights_layer));
  return round_half_even(double(weights_layer * n) / double(weights_total));
}

void check_params(const SamplingParams& p) {
  if (!(p.error > 0.0 && p.error < 1.0)) throw UsageError(fmt::format("--error {}: must be in (0, 1)", p.error));
  if (!(p.confidence_t > 0.0 && std::isfinite(p.confidence_t)))
    throw UsageError(fmt::format("--confidence-t {}: must be positive", p.confidence_t));
  if (!(p.p > 0.0 && p.p < 1.0)) throw UsageError(fmt::format("--p {}: must be in (0, 1)", p.p));
  if (p.count && *p.count < 0) throw UsageError(fmt::format("--count {}: must be >= 0", *p.count));
  if (p.bits < 1 || p.bits > 32)
    throw UsageError(fmt::format("fault list: {} bits per weight: must be in 1..32", p.bits));
  // K bits of one weight: at most the format's width (16 for bf16/fp16).
  if (p.bits_per_fault < 1 || p.bits_per_fault > p.bits)
    throw UsageError(fmt::format("--bits-per-fault {}: must be in 1..{}{}", p.bits_per_fault, p.bits,
                                 p.bits == 32 ? "" : fmt::format(" (the weights have {} bits)", p.bits)));
  if (p.sites_per_fault < 1 || p.sites_per_fault > int(kMaxSitesPerFault))
    throw UsageError(fmt::format("--sites-per-fault {}: must be in 1..{}", p.sites_per_fault, kMaxSitesPerFault));
  if (p.bits_per_fault > 1 && p.sites_per_fault > 1)
    throw UsageError(
        "--bits-per-fault and --sites-per-fault: choose one (K bits of one weight, or M single-bit sites)");
  if (p.adjacent && p.bits_per_fault < 2) throw UsageError("--adjacent needs --bits-per-fault K with K >= 2");
  if (p.same_layer && p.sites_per_fault < 2) throw UsageError("--same-layer needs --sites-per-fault M with M >= 2");
  if (p.sites_per_fault > 1 && !p.same_layer && p.scope == SamplingScope::Layer)
    throw UsageError("--sites-per-fault with --scope layer needs --same-layer (a layer's sample has its sites there)");
}

// Distinct faults over `weights` weights of one layer (or the network): B W single bits
// (B = p.bits, the format's width), or the multi-bit / multi-site counts of sampling.h,
// saturated.
int64_t distinct_faults(int64_t weights, const SamplingParams& p) {
  if (p.bits_per_fault > 1)
    return p.adjacent ? saturating_mul(weights, p.bits + 1 - p.bits_per_fault)
                      : saturating_mul(weights, binomial_saturated(p.bits, p.bits_per_fault));
  if (p.sites_per_fault > 1) return binomial_saturated(saturating_mul(weights, int64_t(p.bits)), p.sites_per_fault);
  return weights * p.bits;
}

}  // namespace

int64_t leveugle_sample_size(int64_t population, double error, double confidence_t, double p) {
  FAULTBENCH_CHECK(population >= 0 && population < (int64_t(1) << 53), "leveugle: population out of range");
  if (population == 0) return 0;
  // Python: N / (1 + e*e*(N-1) / (t*t*p*(1-p))), evaluated left to right in doubles.
  const double n_pop = double(population);
  const double denom = 1.0 + error * error * double(population - 1) / (confidence_t * confidence_t * p * (1.0 - p));
  return round_half_even(n_pop / denom);
}

int64_t SamplePlan::total_faults() const {
  int64_t total = 0;
  for (const LayerAllocation& l : layers) total += l.faults;
  return total;
}

namespace {

// --count N over the network: N faults exactly, apportioned to the layers by their weight
// counts with the largest-remainder method (each layer floor(W_l N / W), then one more for
// the layers with the largest remainders W_l N mod W, ties to the earlier layer). The
// reference's per-layer round() can miss N by many faults for small N (0 faults for N = 1).
// `units`: each layer's weights (an int32 bias element counts as 32 / bits weights).
void apportion_exactly(SamplePlan& plan, const std::vector<int64_t>& units, int64_t total_units, int64_t n) {
  std::vector<std::pair<int64_t, size_t>> remainders;
  int64_t given = 0;
  for (size_t i = 0; i < plan.layers.size(); ++i) {
    int64_t product = 0;
    if (__builtin_mul_overflow(units[i], n, &product))
      throw UsageError(fmt::format("--count {} too large for a layer of {} weights", n, plan.layers[i].weights));
    plan.layers[i].faults = int64_t(product / total_units);
    given += plan.layers[i].faults;
    remainders.emplace_back(product % total_units, i);
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t k = 0; given < n && k < remainders.size(); ++k, ++given) ++plan.layers[remainders[k].second].faults;
}

}  // namespace

SamplePlan plan_sample(const std::vector<WeightSite>& sites, const SamplingParams& params) {
  check_params(params);
  if (sites.empty()) throw UsageError("fault list: the model has no conv or linear weights");
  // Sites of their own width (int8's int32 biases, 32 bits beside 8-bit weights): their
  // population counts their bits, and the allocation weighs an element by its bits over
  // the format's (a bias element counts as 4 weights), so that every single-bit fault of
  // the population is equally likely. Without them every unit is a weight, as before.
  std::vector<int64_t> units;
  std::vector<SamplingParams> site_params;
  int64_t total_units = 0;
  for (const WeightSite& s : sites) {
    SamplingParams q = params;
    if (s.bits != 0) {
      if (params.multi())
        throw UsageError(
            fmt::format("fault list: the {}-bit sites ('{}') are drawn with single-bit faults only "
                        "(no --bits-per-fault or --sites-per-fault)",
                        s.bits, s.layer));
      FAULTBENCH_CHECK(s.bits <= 32 && s.bits % params.bits == 0, "plan_sample: a site width not a multiple");
      q.bits = s.bits;
    }
    units.push_back(numel(s.shape) * (q.bits / params.bits));
    total_units += units.back();
    site_params.push_back(q);
  }
  SamplePlan plan;
  plan.weights = 0;
  for (const WeightSite& s : sites) (s.bits != 0 ? plan.biases : plan.weights) += numel(s.shape);
  plan.population = distinct_faults(plan.weights, params) * kPolarities;
  if (plan.biases != 0)
    for (size_t l = 0; l < sites.size(); ++l)
      if (sites[l].bits != 0) plan.population += distinct_faults(numel(sites[l].shape), site_params[l]) * kPolarities;
  if (params.same_layer) {
    int64_t sum = 0;
    for (const WeightSite& s : sites) sum = std::min(kMaxDistinct, sum + distinct_faults(numel(s.shape), params));
    plan.population = sum * kPolarities;
  }
  if (params.scope == SamplingScope::Network)
    plan.sample_size = params.count
                           ? *params.count
                           : leveugle_sample_size(plan.population, params.error, params.confidence_t, params.p);
  for (size_t l = 0; l < sites.size(); ++l) {
    const WeightSite& s = sites[l];
    const SamplingParams& q = site_params[l];
    LayerAllocation a;
    a.layer = s.layer;
    a.weights = numel(s.shape);
    a.bits = s.bits;
    a.population = distinct_faults(a.weights, q) * kPolarities;
    if (params.scope == SamplingScope::Network)
      a.faults = allocate(units[l], plan.sample_size, total_units);
    else
      a.faults = params.count ? *params.count
                              : leveugle_sample_size(a.population, params.error, params.confidence_t, params.p);
    // Rejection sampling can only produce W_l * 32 distinct (index, bit) sites.
    const int64_t distinct = distinct_faults(a.weights, q);
    if (a.faults > distinct) {
      a.faults = distinct;
      a.capped = true;
    }
    plan.layers.push_back(std::move(a));
  }
  if (params.scope == SamplingScope::Network && params.count) {
    apportion_exactly(plan, units, total_units, *params.count);
    // A layer can hold W_l * 32 distinct sites; what a full layer cannot take goes to the
    // others, largest first, so the list still has N faults when N fits the network.
    int64_t spill = 0;
    for (size_t l = 0; l < plan.layers.size(); ++l) {
      LayerAllocation& a = plan.layers[l];
      const int64_t distinct = distinct_faults(a.weights, site_params[l]);
      if (a.faults > distinct) {
        spill += a.faults - distinct;
        a.faults = distinct;
        a.capped = true;
      }
    }
    std::vector<size_t> by_size(plan.layers.size());
    for (size_t i = 0; i < by_size.size(); ++i) by_size[i] = i;
    std::stable_sort(by_size.begin(), by_size.end(), [&](size_t a, size_t b) { return units[a] > units[b]; });
    for (size_t i : by_size) {
      LayerAllocation& a = plan.layers[i];
      const int64_t take = std::min(spill, distinct_faults(a.weights, site_params[i]) - a.faults);
      a.faults += take;
      spill -= take;
    }
  }
  if (params.scope == SamplingScope::Layer) plan.sample_size = plan.total_faults();
  if (plan.total_faults() > kMaxSampleFaults)
    throw UsageError(fmt::format(
        "sample of {} faults exceeds the limit of {} faults per list{}", plan.total_faults(), kMaxSampleFaults,
        params.scope == SamplingScope::Layer ? " (scope layer: the sum over the layers)" : ""));
  return plan;
}

FaultList draw_faults(const std::vector<WeightSite>& sites, const SamplePlan& plan, const SamplingParams& params) {
  FAULTBENCH_CHECK(plan.layers.size() == sites.size(), "draw_faults: plan does not match the sites");
  if (params.multi()) return draw_multi_site_faults(sites, plan, params);
  PyRandom rng(params.seed);
  FaultList list;
  const int64_t total = plan.total_faults();
  list.faults.reserve(size_t(total));
  // Duplicate rejection in O(1): key = (global flat weight offset) * 32 + bit, unique
  // across layers because each layer owns a disjoint range of offsets (and bits < 32).
  std::unordered_set<uint64_t> drawn;
  drawn.reserve(size_t(total) * 2);
  int64_t layer_offset = 0;
  for (size_t l = 0; l < sites.size(); ++l) {
    const WeightSite& site = sites[l];
    const LayerAllocation& alloc = plan.layers[l];
    FAULTBENCH_CHECK(alloc.layer == site.layer, "draw_faults: plan does not match the sites");
    // Of the format (32, 16 for bf16/fp16, 8 for int8), or the site's own (int8's int32 biases).
    const int64_t bits_per_weight = site.bits != 0 ? site.bits : params.bits;
    for (int64_t f = 0; f < alloc.faults; ++f) {
      Fault fault;
      fault.injection = int64_t(list.faults.size());
      fault.model = params.model;
      fault.site.layer = site.layer;
      fault.site.index.resize(site.shape.size());
      for (;;) {
        int64_t flat = 0;
        for (size_t d = 0; d < site.shape.size(); ++d) {
          fault.site.index[d] = rng.randint(0, site.shape[d] - 1);
          flat = flat * site.shape[d] + fault.site.index[d];
        }
        fault.site.bit = int(rng.randint(0, bits_per_weight - 1));
        const uint64_t key = uint64_t(layer_offset + flat) * 32 + uint64_t(fault.site.bit);
        if (drawn.insert(key).second) break;
      }
      list.faults.push_back(fault);
    }
    layer_offset += alloc.weights;
  }
  return list;
}

FaultList generate_fault_list(const std::vector<WeightSite>& sites, const SamplingParams& params,
                              SamplePlan* plan_out) {
  SamplePlan plan = plan_sample(sites, params);
  FaultList list = draw_faults(sites, plan, params);
  if (plan_out) *plan_out = std::move(plan);
  return list;
}

std::string describe_plan(const SamplePlan& plan, const SamplingParams& params) {
  std::string out;
  const bool network = params.scope == SamplingScope::Network;
  if (params.multi())
    out += fmt::format("weights W = {}, population N = {}\n", plan.weights, plan.population);
  else if (plan.biases != 0)
    out += fmt::format("weights W = {}, int32 biases B = {}, population N = W x {} x 2 + B x 32 x 2 = {}\n",
                       plan.weights, plan.biases, params.bits, plan.population);
  else
    out += fmt::format("weights W = {}, population N = W x {} x 2 = {}\n", plan.weights, params.bits, plan.population);
  if (network)
    out += fmt::format(
        "sample size n = {} ({}), scope network, faults drawn = {}\n", plan.sample_size,
        params.count ? "--count" : fmt::format("Leveugle e={} t={} p={}", params.error, params.confidence_t, params.p),
        plan.total_faults());
  else
    out += fmt::format(
        "scope layer ({}), faults drawn = {}\n",
        params.count ? "--count per layer"
                     : fmt::format("Leveugle per layer e={} t={} p={}", params.error, params.confidence_t, params.p),
        plan.total_faults());
  if (params.bits_per_fault > 1)
    out += fmt::format("{} {}bits of one weight per fault: the population counts W x {} bit sets x 2\n",
                       params.bits_per_fault, params.adjacent ? "adjacent " : "",
                       params.adjacent ? params.bits + 1 - params.bits_per_fault
                                       : binomial_saturated(params.bits, params.bits_per_fault));
  if (params.sites_per_fault > 1)
    out += fmt::format("{} single-bit sites per fault{}: the population counts C({} W{}, {}) x 2{}\n",
                       params.sites_per_fault, params.same_layer ? " in one layer" : "", params.bits,
                       params.same_layer ? "_l" : "", params.sites_per_fault,
                       plan.population >= 2 * kMaxDistinct ? " (saturated at 2^53)" : "");
  out += fmt::format("seed {}, fault model {}\n", params.seed, fault_model_name(params.model));
  out += "layer allocation (layer: weights -> faults):\n";
  for (const LayerAllocation& a : plan.layers)
    out += fmt::format(
        "  {}: {}{} -> {}{}\n", a.layer, a.weights, a.bits != 0 ? fmt::format(" x {} bits", a.bits) : "", a.faults,
        a.capped ? params.multi()
                       ? " (capped at its distinct faults)"
                       : fmt::format(" (capped at W_l x {} distinct sites)", a.bits != 0 ? a.bits : params.bits)
                 : "");
  return out;
}

}  // namespace faultbench
