// Runs a Graph on batches of images.
//
// Determinism contract: the logits of an image are a pure function of (weights, image).
// Every kernel computes each output element with one fixed accumulation order that does
// not depend on the batch size, the batch composition, the thread count or the kernel
// variant (reference or optimized); see docs/DETERMINISM.md.
#pragma once
#include <memory>
#include <vector>

#include "faultbench/graph.h"
#include "faultbench/ops/conv2d.h"
#include "faultbench/ops/linear.h"
#include "faultbench/tensor.h"
#include "faultbench/util/parallel.h"

namespace faultbench {

enum class KernelVariant { Reference, Optimized };

struct ExecutorOptions {
  int threads = 0;                              // 0: all cores
  KernelVariant variant = KernelVariant::Optimized;
  int max_batch = 128;                          // images per internal chunk (bounds memory)
};

// One unit of the executor's schedule: a node alone, or (optimized variant) a fused chain
// conv -> batch_norm -> [add] -> [relu] or batch_norm -> relu run as one kernel whose
// intermediate values are never stored. Fusion never changes a bit (docs/DETERMINISM.md).
struct ExecStep {
  int node = -1;             // the node whose kernel runs: the first member
  std::vector<int> members;  // every node of the step, forward order
  std::vector<int> inputs;   // values read, in run_step's input order (a fused add's residual last)
  int output = -1;           // value written
};

// Weights for one output channel of a conv or linear step, kept apart from the executor's
// own: the campaign engine runs a faulty weight's channel with them while every thread
// shares the executor's (golden) weights for the rest of the network.
struct ChannelWeights {
  int step = -1;
  int channel = -1;            // output channel (conv) or feature (linear)
  ops::Conv2dPacked conv;      // optimized conv: a one-channel conv over the channel's group
  ops::LinearPacked linear;    // optimized linear: one output feature
  std::vector<float> weights;  // the slice itself (reference kernels)
};

class Executor {
 public:
  // The graph is referenced, not copied: it must outlive the executor. Weights are
  // prepared (packed) at construction; after changing Graph::params[i].value call
  // param_changed(i).
  Executor(const Graph& graph, ExecutorOptions options = {});
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // images: [N, C, H, W] normalized; returns logits [N, classes].
  Tensor forward(const Tensor& images);

  // Runs one node on a batch of `batch` images. inputs[i] points at the value
  // graph.nodes[node].inputs[i] laid out [batch, c, h, w]; output is [batch, c, h, w]
  // of the node's output value. Used by the campaign engine to recompute only what a
  // fault changes. Not thread-safe against param_changed(); safe to call concurrently
  // from several threads with distinct buffers when `pool` is nullptr (single-threaded).
  void run_node(int node, const std::vector<const float*>& inputs, float* output, int batch,
                ThreadPool* pool) const;

  // The schedule forward() runs, in order. Every value a step reads is the input value or
  // the output of an earlier step.
  const std::vector<ExecStep>& steps() const;

  // Runs step `step` on a batch of `batch` images, like run_node with a step's inputs
  // (steps()[step].inputs, each [batch, c, h, w]) and output. Thread-safety as run_node.
  // needed and fill (optional, conv steps of the optimized variant): per image, a bitmap of
  // the output positions (oh * w + ow, ceil(h * w / 64) words) that must be computed and
  // an output row holding the right values of the others (ops::conv2d_optimized). Other
  // steps compute everything.
  void run_step(int step, const std::vector<const float*>& inputs, float* output, int batch,
                ThreadPool* pool, const uint64_t* needed = nullptr, const float* const* fill = nullptr) const;

  // Whether run_step's `needed` can save work on step `step`: a conv whose zero-skipping
  // kernel is available (ops::Conv2dPacked::sparse_capable, every weight finite).
  bool step_skips_positions(int step) const;

  // Whether run_step_segment can run step `step`: a conv whose reduction splits by input
  // channel (ops::conv2d_segment_supported; optimized variant: with channel-major weights).
  bool step_resumable(int step) const;

  // Runs conv step `step` over input channels [seg.ci_begin, seg.ci_end) only, from the
  // partial sums seg.partial ([batch, out_c, h, w], raw sums of the channels before, as an
  // earlier call with finish = false wrote them), as ops::conv2d_segment_*; with
  // seg.finish, `output` gets exactly run_step's bits (bias and fused epilogue included).
  // Thread-safety as run_step. For step_resumable steps only (UsageError otherwise).
  void run_step_segment(int step, const std::vector<const float*>& inputs, const ops::Conv2dSegment& seg,
                        float* output, int batch, ThreadPool* pool) const;

  // Prepares `weights`, the slice of output channel `channel` of the weight tensor of conv
  // or linear step `step` ([in_c/groups, k, k] resp. [in] floats), for run_step_channel.
  ChannelWeights channel_weights(int step, int channel, const float* weights) const;

  // Like run_step, but computes and writes only channel cw.channel of `output`, with cw's
  // weights (and the step's own bias and fused batch norm/add/ReLU); the other channels of
  // `output` are left as they are. Each written element has exactly the bits run_step
  // gives when the weight tensor holds cw's slice. Single-threaded; thread-safe.
  void run_step_channel(const ChannelWeights& cw, const std::vector<const float*>& inputs, float* output,
                        int batch) const;

  // Re-prepares whatever the executor derived from parameter `param_index`.
  void param_changed(int param_index);
  // Same after only element `offset` of the parameter changed: O(1) for conv and linear
  // weights (the packed copy is patched), a full param_changed otherwise.
  void param_element_changed(int param_index, int64_t offset);

  const Graph& graph() const { return graph_; }
  ThreadPool& pool() { return *pool_; }
  const ExecutorOptions& options() const { return options_; }

 private:
  // Runs the whole graph on `count` images with the buffers of arena `arena` (one per
  // worker); pool non-null splits each kernel's outputs over the pool.
  void run_images(const float* images, float* logits, int count, int arena, ThreadPool* pool);

  struct Prepared;  // per-node packed weights / folded constants, buffer plan, arenas
  const Graph& graph_;
  ExecutorOptions options_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<Prepared> prepared_;
};

}  // namespace faultbench
