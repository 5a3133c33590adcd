// Internals of CampaignEngine shared by engine.cpp (golden pass, brute force, scheduling)
// and fast_sim.cpp (suffix recomputation with masking). Not a public header.
#pragma once
#include <cstdlib>
#include <map>
#include <memory>
#include <vector>

#include "faultbench/campaign/engine.h"
#include "faultbench/executor.h"
#include "faultbench/util/aligned_buffer.h"

namespace faultbench::campaign_detail {

// Recycles buffers so that steady-state chunks allocate nothing. acquire() takes the
// smallest free buffer that fits; when none fits it grows the largest free one, so the
// number of buffers never exceeds the peak number alive at once.
class BufferPool {
 public:
  AlignedBuffer acquire(size_t floats);
  void release(AlignedBuffer&& buf);
  void clear() { free_.clear(); }

 private:
  std::vector<AlignedBuffer> free_;
};

// The executor's schedule seen from the values (built once per engine).
struct StepIndex {
  std::vector<int> step_of_node;    // node -> step that runs it (fused members included)
  std::vector<int64_t> row_floats;  // value -> floats per image
  std::vector<char> stored;         // value -> written by a step or the input (not a fused intermediate)
  int64_t stored_floats = 0;        // floats per image of all stored values
  int sim_batch = 8;                // images per suffix recomputation (fast_sim.cpp)
};
StepIndex make_step_index(const Graph& graph, const Executor& exec);

// What the fast mode needs to know to simulate the faults of one step.
struct SuffixPlan {
  int step = -1;
  std::vector<int> desc;           // steps depending on `step` (itself included), forward order
  std::vector<int> last_desc_use;  // value -> last step of `desc` reading it, -1 if none
};
SuffixPlan make_suffix_plan(const Executor& exec, size_t values, int step);

// Where the fast mode continues a conv from golden partial sums (fast_sim.cpp): a fault
// leaves the leading channels of some values golden (DenseNet: everything concatenated
// before the faulty layer), so a 1x1 conv reading such a value needs only the sums over
// the channels after them. by_step[step]: the increasing input-channel boundaries (0 <
// b < in_c) at which the golden pass saves step's partial sums, from the faults run so far.
struct ResumePoints {
  std::vector<std::vector<int>> by_step;
  int64_t floats_per_image = 0;  // of the saved sums
  int version = 0;               // bumped when by_step changes
};

// Golden values of one chunk of images: every stored value, [count, c, h, w] each; and
// the partial sums of the resume points: partials[step][i], [count, out_c, h, w], the sums
// over input channels [0, by_step[step][i]).
struct GoldenChunk {
  int64_t first = 0;  // first image of the chunk
  int count = 0;      // 0: nothing computed
  int resume_version = -1;
  std::vector<AlignedBuffer> values;
  std::vector<std::vector<AlignedBuffer>> partials;
};

// One thread's scratch for simulating faults. The threads share the engine's executor
// (golden weights); a fault's own weights live in a ChannelWeights of its channel.
struct Worker {
  BufferPool pool;
  // Per value, during one simulation: the faulty rows of the active images and whether
  // each differs from golden.
  std::vector<AlignedBuffer> changed;
  std::vector<std::vector<uint8_t>> differs;
  // Per changed value: its leading channels that are golden in every active image.
  std::vector<int> golden_channels;
  // Per value with has_positions set: for each active image, a bitmap of the positions
  // that may differ from golden (position_masks.h; fast_sim.cpp needed_positions); and
  // the needed output positions of the step being run.
  std::vector<std::vector<uint64_t>> positions;
  std::vector<uint8_t> has_positions;
  std::vector<uint64_t> needed, window;
  // EngineOptions::profile: nanoseconds and images per step, per faulty node.
  std::vector<int64_t> step_ns, step_images, step_resumed;
  std::vector<int64_t> node_ns, node_images, node_dropped;
};

}  // namespace faultbench::campaign_detail

namespace faultbench {

struct CampaignEngine::Impl {
  Graph graph;  // main copy; brute force corrupts it in place
  const ImageSet& images;
  EngineOptions options;
  std::unique_ptr<Executor> exec;  // multi-threaded
  std::vector<std::unique_ptr<campaign_detail::Worker>> workers;

  bool golden_ready = false;               // every image's golden logits are known
  std::vector<uint8_t> golden_known;       // [N], filled by ensure_golden or the fast mode's chunks
  int64_t golden_known_count = 0;
  std::vector<float> golden_logits;        // [N, K]
  std::vector<int> golden_top1;            // [N]
  std::vector<FaultCounts> golden_self;    // [N]: the image classified against itself
  FaultCounts golden_total;

  campaign_detail::StepIndex step_index;  // built with the workers
  std::map<int, campaign_detail::SuffixPlan> plans;  // by faulty step
  campaign_detail::BufferPool golden_pool;
  campaign_detail::GoldenChunk chunk;
  campaign_detail::ResumePoints resume;  // grows with the faulty steps run
  bool reverse_chunks = false;  // alternate the chunk order per run: the last chunk is reused
  int64_t golden_ns = 0;               // EngineOptions::profile
  std::vector<int64_t> node_faults;    // EngineOptions::profile: faults run, per node

  Impl(const Graph& g, const ImageSet& im, EngineOptions o);
  // false when `stop` was set before the pass finished.
  bool ensure_golden(const std::atomic<bool>* stop = nullptr);
  void init_golden();
  // Logits [count, K] of images first.. as golden, for the images not known yet.
  void record_golden(int64_t first, int64_t count, const float* logits);
  int classes() const { return graph.classes; }
  bool run_brute_force(const std::vector<ResolvedFault>& faults, std::vector<FaultCounts>& out,
                       const std::atomic<bool>* stop, const std::function<void(int64_t)>& progress);
  bool run_fast(const std::vector<ResolvedFault>& faults, const std::vector<size_t>& which,
                std::vector<FaultCounts>& out, const std::atomic<bool>* stop,
                const std::function<void(int64_t)>& progress);

  // fast_sim.cpp
  int chunk_images() const;
  // Adds the resume points the plans' faulty steps can use (fast_sim.cpp).
  void update_resume_points();
  void compute_golden_chunk(int64_t first, int count);
  // The fault's own weights: its output channel's slice with the fault applied.
  ChannelWeights faulty_channel(const ResolvedFault& fault) const;
  FaultCounts simulate_fault(const ResolvedFault& fault, const ChannelWeights& faulty, campaign_detail::Worker& w) const;
  FaultCounts simulate_chunk(const campaign_detail::SuffixPlan& plan, const ChannelWeights& faulty,
                             campaign_detail::Worker& w) const;
  const uint64_t* needed_positions(const ExecStep& st, const std::vector<int>& active,
                                   campaign_detail::Worker& w) const;
  void ensure_workers();
};

}  // namespace faultbench
