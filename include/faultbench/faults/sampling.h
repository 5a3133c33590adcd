// Statistical fault injection: Leveugle sample size, per-layer allocation and the draws.
//
// With the defaults (seed 42, e = 0.01, t = 2.58, p = 0.5, network scope, bit-flips) this is
// exactly the procedure that produced the published dnn-benchmarks lists (SEED.md):
//   N = W * 32 * 2, n = round(N / (1 + e^2 (N-1) / (t^2 p (1-p))))   (round half to even)
//   layer l (named_parameters order) gets round(W_l * n / W) faults
//   per fault: index_d = randint(0, dim_d - 1) for each dim in order, then bit = randint(0, 31);
//   a (layer, index, bit) already drawn is rejected and redrawn (index and bit again)
// The random stream is CPython 3.11's random module (PyRandom).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "faultbench/faults/fault.h"

namespace faultbench {

enum class SamplingScope {
  Network,  // one Leveugle sample over all weights, allocated to layers by weight count
  Layer,    // one Leveugle sample per layer (each layer its own population)
};

// The most faults one list may hold: a list lives in memory (about 300 bytes a fault while
// drawing, 40 in the CSV), and a campaign of more would never finish. plan_sample refuses
// a larger sample (Leveugle, --count, or a layer-scope total) up front (UsageError).
inline constexpr int64_t kMaxSampleFaults = 10'000'000;

struct SamplingParams {
  int64_t seed = 42;           // random.seed(seed)
  double error = 0.01;         // e: error margin
  double confidence_t = 2.58;  // t: cut-off of the normal distribution (2.58 = 99 %)
  double p = 0.5;              // expected failure probability (0.5 = worst case)
  // Overrides n. Network scope: the list has exactly `count` faults (largest-remainder
  // apportionment over the layers by weight count, not the reference's per-layer round(),
  // which gives 0 faults for count 1); layer scope: `count` per layer.
  std::optional<int64_t> count;
  SamplingScope scope = SamplingScope::Network;
  FaultModel model = FaultModel::BitFlip;  // written into every fault (drawing is unchanged)
  // Multi-bit and multi-site faults (fault_group.h; sampling_multi.cpp). With the defaults
  // (1, false, 1, false) the list is drawn exactly as above, row for row.
  int bits_per_fault = 1;   // K distinct bits of one weight per fault (a multiple-bit upset)
  bool adjacent = false;    // the K bits are consecutive (adjacent cells of a memory row)
  int sites_per_fault = 1;  // M single-bit sites per fault (accumulated permanent faults)
  bool same_layer = false;  // the M sites in one layer (the fault's layer)
  bool multi() const { return bits_per_fault > 1 || sites_per_fault > 1; }
  // Bits of one weight in the campaign's number format (numerics_weight_bits): N = W x bits
  // x 2 and bit = randint(0, bits - 1). 32 (fp32) is the reference procedure.
  int bits = 32;
};

// Leveugle et al. (DATE 2009) sample size for a population of N, rounded half to even,
// evaluated in the same order of double operations as the reference Python expression.
int64_t leveugle_sample_size(int64_t population, double error, double confidence_t, double p);

struct LayerAllocation {
  std::string layer;
  int64_t weights = 0;     // W_l
  int64_t population = 0;  // W_l * 64 (scope layer: this layer's Leveugle population)
  int bits = 0;            // the site's own bits (WeightSite::bits: int8's int32 biases), else 0
  int64_t faults = 0;      // faults drawn for this layer
  bool capped = false;     // the allocation exceeded the W_l * 32 distinct sites and was cut
};

// Multi-bit / multi-site populations (the distinct faults, times 2 as above):
//   K bits, not adjacent: W * C(B, K);  adjacent: W * (B + 1 - K)
//   M sites: C(B W, M) (--same-layer: the sum over the layers of C(B W_l, M))
// with B = SamplingParams::bits, the format's width (32; 16 for bf16/fp16, whose bits and
// --adjacent runs stay inside the 16-bit word)
// saturated at 2^52 - 1 distinct faults (the Leveugle size is then its limit,
// t^2 p (1-p) / e^2, to the last digit). Each layer gets round(W_l n / W) faults as above;
// a fault's first site is in its layer, the others (M sites, not --same-layer) anywhere,
// a layer chosen with probability W_l / W. A fault drawn twice (the same set of sites) or
// with a site twice is redrawn.
struct SamplePlan {
  int64_t weights = 0;  // W
  // B: elements of the sites of their own width (int8's int32 biases, faultlist
  // --int8-biases): N = W x bits x 2 + B x 32 x 2, and a layer's share of the sample is its
  // share of the population (a bias element counts as 32 / bits weights).
  int64_t biases = 0;
  int64_t population = 0;   // N = W * 64 (network scope)
  int64_t sample_size = 0;  // n (network scope: Leveugle or --count; layer scope: sum of layers)
  std::vector<LayerAllocation> layers;
  int64_t total_faults() const;
};

// Validates the parameters (UsageError naming the option) and computes the allocation.
SamplePlan plan_sample(const std::vector<WeightSite>& sites, const SamplingParams& params);

// Draws the faults of `plan` (from plan_sample over the same sites), Injection = 0, 1, ...
FaultList draw_faults(const std::vector<WeightSite>& sites, const SamplePlan& plan, const SamplingParams& params);

// plan_sample + draw_faults.
FaultList generate_fault_list(const std::vector<WeightSite>& sites, const SamplingParams& params,
                              SamplePlan* plan_out = nullptr);

// Human-readable summary (population, sample size, per-layer allocation) for stderr.
std::string describe_plan(const SamplePlan& plan, const SamplingParams& params);

}  // namespace faultbench
