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
#include "faultbench/parallel.h"
#include "faultbench/tensor.h"

namespace faultbench {

enum class KernelVariant { Reference, Optimized };

struct ExecutorOptions {
  int threads = 0;                              // 0: all cores
  KernelVariant variant = KernelVariant::Optimized;
  int max_batch = 128;                          // images per internal chunk (bounds memory)
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

  // Re-prepares whatever the executor derived from parameter `param_index`.
  void param_changed(int param_index);

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
