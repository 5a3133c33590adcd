#include "sampling_multi.h"

#include <algorithm>
#include <set>

#include "faultbench/error.h"
#include "faultbench/util/py_random.h"

namespace faultbench {

namespace {

struct Drawer {
  const std::vector<WeightSite>& sites;
  const SamplingParams& params;
  PyRandom rng;
  std::vector<int64_t> offsets;  // first global weight of each layer
  int64_t weights = 0;

  Drawer(const std::vector<WeightSite>& s, const SamplingParams& p) : sites(s), params(p), rng(p.seed) {
    for (const WeightSite& w : sites) {
      offsets.push_back(weights);
      weights += numel(w.shape);
    }
  }

  // An index of layer l, drawn dim by dim; returns its global weight offset.
  int64_t draw_index(size_t l, std::vector<int64_t>& index) {
    const Shape& shape = sites[l].shape;
    index.resize(shape.size());
    int64_t flat = 0;
    for (size_t d = 0; d < shape.size(); ++d) {
      index[d] = rng.randint(0, shape[d] - 1);
      flat = flat * shape[d] + index[d];
    }
    return offsets[l] + flat;
  }

  size_t layer_of_weight(int64_t g) const {
    return size_t(std::upper_bound(offsets.begin(), offsets.end(), g) - offsets.begin()) - 1;
  }

  void row(std::vector<Fault>& rows, size_t l, const std::vector<int64_t>& index, int bit) const {
    Fault f;
    f.model = params.model;
    f.site.layer = sites[l].layer;
    f.site.index = index;
    f.site.bit = bit;
    rows.push_back(std::move(f));
  }

  // One fault of layer l: its rows and its sites' keys ((global weight) * 32 + bit), sorted.
  // Bits are drawn in [0, params.bits): the format's width (32, or 16 for bf16/fp16; a
  // 32-bit list is drawn exactly as before).
  void draw_bits(size_t l, std::vector<Fault>& rows, std::vector<uint64_t>& keys) {
    std::vector<int64_t> index;
    const int64_t g = draw_index(l, index);
    const int k = params.bits_per_fault;
    std::vector<int> bits;
    if (params.adjacent) {
      const int start = int(rng.randint(0, params.bits - k));
      for (int b = start; b < start + k; ++b) bits.push_back(b);
    } else {
      while (int(bits.size()) < k) {
        const int b = int(rng.randint(0, params.bits - 1));
        if (std::find(bits.begin(), bits.end(), b) == bits.end()) bits.push_back(b);
      }
      std::sort(bits.begin(), bits.end());
    }
    for (int b : bits) {
      row(rows, l, index, b);
      keys.push_back(uint64_t(g) * 32 + uint64_t(b));
    }
  }

  void draw_sites(size_t l, std::vector<Fault>& rows, std::vector<uint64_t>& keys) {
    std::vector<int64_t> index;
    while (int(rows.size()) < params.sites_per_fault) {
      size_t layer = l;
      if (!rows.empty() && !params.same_layer) layer = layer_of_weight(rng.randint(0, weights - 1));
      const int64_t g = draw_index(layer, index);
      const int bit = int(rng.randint(0, params.bits - 1));
      const uint64_t key = uint64_t(g) * 32 + uint64_t(bit);
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
      keys.push_back(key);
      row(rows, layer, index, bit);
    }
  }
};

}  // namespace

FaultList draw_multi_site_faults(const std::vector<WeightSite>& sites, const SamplePlan& plan,
                                 const SamplingParams& params) {
  Drawer d(sites, params);
  FaultList list;
  std::set<std::vector<uint64_t>> drawn;
  std::vector<Fault> rows;
  std::vector<uint64_t> keys;
  int64_t injection = 0;
  for (size_t l = 0; l < sites.size(); ++l) {
    FAULTBENCH_CHECK(plan.layers[l].layer == sites[l].layer, "draw_faults: plan does not match the sites");
    for (int64_t f = 0; f < plan.layers[l].faults; ++f, ++injection) {
      for (;;) {
        rows.clear();
        keys.clear();
        if (params.bits_per_fault > 1)
          d.draw_bits(l, rows, keys);
        else
          d.draw_sites(l, rows, keys);
        std::sort(keys.begin(), keys.end());
        if (drawn.insert(keys).second) break;
      }
      for (Fault& r : rows) {
        r.injection = injection;
        list.faults.push_back(std::move(r));
      }
    }
  }
  return list;
}

}  // namespace faultbench
