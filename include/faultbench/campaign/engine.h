// The campaign engine: outcome counts of permanent weight faults, or of transient
// activation faults (ResolvedFault::activation: one output value changed in every image),
// over a test set.
//
// Two modes with identical results (tested):
//  - BruteForce, the oracle: per fault, corrupt the weight, run the whole network on every
//    image, classify against the golden logits, restore.
//  - Fast: per chunk of images, one golden pass keeps every activation the executor
//    stores; per fault only the steps downstream of the faulty layer are recomputed (with
//    the same fused kernels; the faulty conv computes just the faulty output channel), and
//    images whose changed activations are all bitwise golden again are classified masked
//    and dropped. Faults run in parallel: the threads share the golden executor, and a
//    fault's own weights are just its channel's slice (Executor::channel_weights).
//    Kernels are deterministic per image, so a recomputed suffix gives the same bits as a
//    full forward.
// A stuck-at fault whose bit already holds the stuck value is masked without running.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "faultbench/campaign/classify.h"
#include "faultbench/data/dataset.h"
#include "faultbench/faults/fault.h"
#include "faultbench/graph.h"

namespace faultbench {

enum class CampaignMode { Fast, BruteForce };
const char* campaign_mode_name(CampaignMode mode);  // "fast" | "brute-force"

struct EngineOptions {
  int threads = 0;  // 0: all cores
  CampaignMode mode = CampaignMode::Fast;
  int max_chunk_images = 256;                  // images per chunk, upper bound
  int64_t memory_budget = int64_t(512) << 20;  // bytes for golden + scratch activations per chunk
  bool profile = false;                        // fast mode: time every step and faulty layer
  std::string weights_name = "the weights";    // named when the golden logits are not finite
};

// Where the fast mode spent its time (EngineOptions::profile): std::chrono::steady_clock
// around each golden pass, each fault simulation and each recomputed step, summed over
// the threads (so the seconds add up to about threads x wall time).
struct EngineProfile {
  double golden_seconds = 0;  // golden passes of the chunks
  struct FaultLayer {         // per faulty layer, forward order
    std::string layer;
    int64_t faults = 0, fault_images = 0;
    int64_t dropped_early = 0;  // images found masked before the logits (not recomputed further)
    double seconds = 0;
  };
  std::vector<FaultLayer> by_faulty_layer;
  struct Step {              // per executor step recomputed for faults, forward order
    std::string name;        // first node's name and the fused kinds, e.g. "layer1.0.conv1 (conv2d+batch_norm+relu)"
    int64_t image_runs = 0;  // images it was run on, summed over faults
    int64_t resumed_image_runs = 0;  // of those, continued from golden partial sums (src/campaign/fast/)
    double seconds = 0;
  };
  std::vector<Step> by_step;
};

// One site of a fault resolved against a graph: which parameter element and node it corrupts.
struct ResolvedSite {
  int param = -1;      // index into Graph::params
  int node = -1;       // owning node
  int64_t offset = 0;  // flat element index, row-major PyTorch order
  int bit = 0;
  FaultModel model = FaultModel::BitFlip;
};

// A fault resolved against a graph: its first site in forward order (the fields, as for a
// single-site fault) and, for a multi-site fault (fault_group.h), the others in `more`.
struct ResolvedFault {
  int param = -1;
  int node = -1;
  int64_t offset = 0;
  int bit = 0;
  FaultModel model = FaultModel::BitFlip;
  std::vector<ResolvedSite> more;  // empty for a single-site fault
  // A transient activation fault (faults/activation_sites.h): element `offset` (c * h * w +
  // position, or the feature) of node `node`'s output changed by (bit, model) in every
  // image; param is -1 and `more` empty.
  bool activation = false;

  ResolvedSite first() const { return ResolvedSite{param, node, offset, bit, model}; }
  std::vector<ResolvedSite> sites() const;  // first() and then `more`
};

// Throws UsageError when the layer is not a fault site of the graph (validate lists first).
ResolvedFault resolve_fault(const Graph& graph, const Fault& fault);
// An activation fault: UsageError when the layer is not an activation site of the graph or
// the index is outside its output (validate lists first: load_activation_list).
ResolvedFault resolve_activation_fault(const Graph& graph, const Fault& fault);
// The sites `rows` applied together (multi_site.cpp): every row resolved, the one of the
// earliest node first (the fast mode recomputes from there), the others in list order.
ResolvedFault resolve_fault_sites(const Graph& graph, const Fault* rows, size_t count);

class CampaignEngine {
 public:
  // `graph` (weights loaded) is copied; `images` is referenced and must outlive the engine.
  CampaignEngine(const Graph& graph, const ImageSet& images, EngineOptions options = {});
  ~CampaignEngine();
  CampaignEngine(const CampaignEngine&) = delete;
  CampaignEngine& operator=(const CampaignEngine&) = delete;

  // Golden logits [N, K] of the fault-free model (computed on first use).
  const std::vector<float>& golden_logits();
  // What a fault that changes nothing gets: every image classified against itself.
  FaultCounts golden_counts();
  // Computes and records the golden logits of the first `count` images now, so that a
  // network with non-finite golden logits (check_golden_logits: FormatError) is refused
  // before a caller commits to anything; the others are checked when first computed.
  void probe_golden(int64_t count);

  // Simulates `faults` (any layers, any order) and returns one FaultCounts per fault.
  // `stop` is polled between chunks of images: when it becomes true the call returns
  // false and `out` is unspecified. `on_progress(fault_images)` reports finished work.
  bool run(const std::vector<ResolvedFault>& faults, std::vector<FaultCounts>& out,
           const std::atomic<bool>* stop = nullptr, const std::function<void(int64_t)>& on_progress = {});

  const EngineOptions& options() const { return options_; }
  int threads() const;
  // Accumulated over every run() so far; empty unless EngineOptions::profile.
  EngineProfile profile() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  EngineOptions options_;
};

// Splits the fault positions `todo` (indices into `faults`) into batches of at most
// `batch_size`: sorted by faulty node in forward order, list order inside a node, then cut
// into consecutive runs (a batch may span layers: the fast mode's golden pass of a chunk
// serves every layer). Each batch is run and journaled as a whole.
std::vector<std::vector<size_t>> plan_fault_batches(const std::vector<ResolvedFault>& faults,
                                                    const std::vector<size_t>& todo, int batch_size);

}  // namespace faultbench
