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
#include "faultbench/parallel.h"
#include "faultbench/tensor.h"

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
  // (steps()[step].inputs, each [batch, c, h, w]) and output. When `channels` is not the
  // default, only those output channels (features) are computed and written and the rest
  // of `output` is left as it is; this needs a conv or linear step (their outputs are
  // computed independently of each other), else UsageError. Thread-safety as run_node.
  void run_step(int step, const std::vector<const float*>& inputs, float* output, int batch, ThreadPool* pool,
                ops::ChannelRange channels = {}) const;

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
