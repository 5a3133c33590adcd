// Runs a Graph on batches of images.
//
// Determinism contract: the logits of an image are a pure function of (weights, image).
// Every kernel computes each output element with one fixed accumulation order that does
// not depend on the batch size, the batch composition, the thread count or the kernel
// variant (reference or optimized); see docs/DETERMINISM.md.
#pragma once
#include <functional>
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
  int threads = 0;  // 0: all cores
  KernelVariant variant = KernelVariant::Optimized;
  int max_batch = 128;  // images per internal chunk (bounds memory)
  // Optimized variant: the bf16/fp16 Round nodes after a conv, batch norm or add run in the
  // fused step (the conv's epilogue). false runs them as nodes of their own, the reference
  // form the fused one is tested against (same bits).
  bool fuse_rounding = true;
};

// The campaign engine's entry points (the schedule, single steps, one output channel):
// faultbench/graph/executor_campaign.h.
struct ExecStep;
struct ChannelWeights;
class ExecutorSteps;

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

  // Re-prepares whatever the executor derived from parameter `param_index`.
  void param_changed(int param_index);
  // Same after only element `offset` of the parameter changed: O(1) for conv and linear
  // weights (the packed copy is patched), a full param_changed otherwise.
  void param_element_changed(int param_index, int64_t offset);

  const Graph& graph() const { return graph_; }
  ThreadPool& pool() { return *pool_; }
  const ExecutorOptions& options() const { return options_; }

 private:
  friend class ExecutorSteps;

  // The entry points ExecutorSteps (graph/executor_campaign.h) exposes; documented there.
  void run_node(int node, const std::vector<const float*>& inputs, float* output, int batch, ThreadPool* pool) const;
  const std::vector<ExecStep>& steps() const;
  void run_step(int step, const std::vector<const float*>& inputs, float* output, int batch, ThreadPool* pool,
                const uint64_t* needed = nullptr, const float* const* fill = nullptr) const;
  bool step_skips_positions(int step) const;
  bool step_resumable(int step) const;
  void run_step_segment(int step, const std::vector<const float*>& inputs, const ops::Conv2dSegment& seg, float* output,
                        int batch, ThreadPool* pool) const;
  ChannelWeights channel_weights(int step, int channel, const float* weights) const;
  void run_step_channel(const ChannelWeights& cw, const std::vector<const float*>& inputs, float* output,
                        int batch) const;
  ChannelWeights element_change(int step, int node, int64_t element, std::function<float(float)> change) const;
  void run_step_element(const ChannelWeights& cw, const std::vector<const float*>& inputs, float* output,
                        int batch) const;

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
