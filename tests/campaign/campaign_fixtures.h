// Helpers for the campaign tests: zoo graphs with seeded random weights, synthetic test
// images, random fault lists.
#pragma once
#include <algorithm>
#include <bit>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "faultbench/campaign/engine.h"
#include "faultbench/data/dataset.h"
#include "faultbench/faults/fault.h"
#include "faultbench/graph.h"
#include "faultbench/zoo/zoo.h"

namespace faultbench::testing {

// Weights scaled so activations stay O(1) through deep networks (He-style uniform), BN
// statistics near identity: top-1 then depends on the image and faults behave as in
// trained networks (low bits mostly non-critical, high exponent bits critical or Inf/NaN).
inline void randomize_weights(Graph& g, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (Param& p : g.params) {
    if (p.value.size() == 0) continue;
    switch (p.role) {
      case ParamRole::Weight:
        if (p.shape.size() >= 2) {
          int64_t fan_in = 1;
          for (size_t d = 1; d < p.shape.size(); ++d) fan_in *= p.shape[d];
          const float bound = std::sqrt(6.0f / float(fan_in));
          for (float& x : p.value.data) x = bound * u(rng);
        } else {
          for (float& x : p.value.data) x = 1.0f + 0.5f * u(rng);
        }
        break;
      case ParamRole::Bias:
      case ParamRole::RunningMean:
        for (float& x : p.value.data) x = 0.1f * u(rng);
        break;
      case ParamRole::RunningVar:
        for (float& x : p.value.data) x = 1.0f + 0.5f * u(rng);
        break;
      case ParamRole::NumBatchesTracked:
      case ParamRole::Constant: break;  // the test sets its constants
    }
  }
}

inline ImageSet random_images(const Graph& g, int64_t n, uint32_t seed) {
  ImageSet s;
  s.dataset = g.dataset;
  s.shape = g.input_shape;
  s.classes = g.classes;
  s.norm = dataset_normalization(g.dataset);
  std::mt19937 rng(seed);
  s.pixels.resize(size_t(n * s.shape.numel()));
  for (auto& p : s.pixels) p = uint8_t(rng() & 0xff);
  for (int64_t i = 0; i < n; ++i) s.labels.push_back(int(rng() % uint32_t(g.classes)));
  return s;
}

// `count` distinct faults over all fault sites (layer chosen uniformly, then the index,
// then the bit; every third bit 30), with Injection ids 0..count-1.
inline std::vector<Fault> random_faults(const Graph& g, int count, uint32_t seed,
                                        FaultModel model = FaultModel::BitFlip) {
  std::mt19937 rng(seed);
  const std::vector<WeightSite> sites = fault_sites(g);
  std::vector<Fault> out;
  while (int(out.size()) < count) {
    const WeightSite& s = sites[rng() % sites.size()];
    Fault f;
    f.injection = int64_t(out.size());
    f.site.layer = s.layer;
    // Every third fault flips bit 30 (the exponent's top bit) of a positive weight, when
    // one is found in a few draws, so that every list has faults that blow activations up
    // past the ReLUs (critical or NaN/Inf).
    f.site.bit = out.size() % 3 == 0 ? 30 : int(rng() % 32);
    const Param& p = g.params[size_t(*g.find_param(s.layer + ".weight"))];
    for (int tries = 0; tries < 64; ++tries) {
      f.site.index.clear();
      for (int64_t d : s.shape) f.site.index.push_back(int64_t(rng() % uint64_t(d)));
      if (f.site.bit != 30 || p.value.data[size_t(flat_index(p.shape, f.site.index))] > 0.0f) break;
    }
    f.model = model;
    bool dup = false;
    for (const Fault& o : out) dup = dup || (o.site == f.site && o.model == f.model);
    if (!dup) out.push_back(f);
  }
  return out;
}

// Runs `faults` through one CampaignEngine in `mode` and returns their counts; `resolve`
// turns a list row into the engine's fault (weight faults by default, activation faults
// with resolve_activation_fault).
inline std::vector<FaultCounts> run_engine(const Graph& g, const ImageSet& images, const std::vector<Fault>& faults,
                                           CampaignMode mode, int threads, int max_chunk = 256,
                                           ResolvedFault (*resolve)(const Graph&, const Fault&) = resolve_fault) {
  EngineOptions o;
  o.mode = mode;
  o.threads = threads;
  o.max_chunk_images = max_chunk;
  CampaignEngine engine(g, images, o);
  std::vector<ResolvedFault> rf;
  for (const Fault& f : faults) rf.push_back(resolve(g, f));
  std::vector<FaultCounts> out;
  EXPECT_TRUE(engine.run(rf, out));
  return out;
}

}  // namespace faultbench::testing
