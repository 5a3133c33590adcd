// The executor's campaign-only entry points, apart from Executor::forward: the schedule
// (steps), single steps on caller-owned buffers (run_step, with position skipping;
// run_step_segment, resuming from partial sums), one output channel with a fault's own
// weights (channel_weights, run_step_channel) and single nodes (run_node). The campaign
// engine's fast mode recomputes only what a fault changes with them (src/campaign/fast/).
// Whoever only classifies images needs faultbench/executor.h alone.
//
// Every entry point keeps the executor's determinism contract: a step run here writes
// exactly the bits forward() gives the same value.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "faultbench/executor.h"
#include "faultbench/ops/conv2d.h"
#include "faultbench/ops/linear.h"
#include "faultbench/ops/qconv.h"

namespace faultbench {

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
  // An int8 conv or linear step (--numerics int8): the slice's codes (reference kernel).
  // The optimized variant sums the channel with the fp32 kernels on the codes (`conv`
  // above, int8_fp32_sums) when that is exact: every product is an integer of at most
  // 128 x 128 = 2^14 in magnitude, so with at most 1,024 products per sum every partial
  // sum, in any order, is an integer below 2^24, which fp32 holds exactly. Longer sums run
  // the integer kernel on a one-channel pack (`qconv`).
  std::vector<int8_t> codes;
  ops::QConvPacked qconv;
  bool int8_fp32_sums = false;
  // An activation fault instead (element_change; the weights above are then empty): element
  // `element` (channel * h * w + position) of node `node`'s value, a member of the step, is
  // replaced by change(value) in every image; `channel` is the element's channel.
  int node = -1;
  int64_t element = -1;
  std::function<float(float)> change;
  bool changes_element() const { return element >= 0; }
};

// A view of an executor through its campaign entry points: cheap to copy, valid while the
// executor lives. The calls forward to the executor (inline: they cost nothing).
class ExecutorSteps {
 public:
  explicit ExecutorSteps(const Executor& exec) : exec_(&exec) {}

  // Runs one node on a batch of `batch` images. inputs[i] points at the value
  // graph.nodes[node].inputs[i] laid out [batch, c, h, w]; output is [batch, c, h, w]
  // of the node's output value. Not thread-safe against param_changed(); safe to call concurrently
  // from several threads with distinct buffers when `pool` is nullptr (single-threaded).
  void run_node(int node, const std::vector<const float*>& inputs, float* output, int batch, ThreadPool* pool) const {
    exec_->run_node(node, inputs, output, batch, pool);
  }

  // The schedule forward() runs, in order. Every value a step reads is the input value or
  // the output of an earlier step.
  const std::vector<ExecStep>& steps() const { return exec_->steps(); }

  // Runs step `step` on a batch of `batch` images, like run_node with a step's inputs
  // (steps()[step].inputs, each [batch, c, h, w]) and output. Thread-safety as run_node.
  // needed and fill (optional, conv steps of the optimized variant): per image, a bitmap of
  // the output positions (oh * w + ow, ceil(h * w / 64) words) that must be computed and
  // an output row holding the right values of the others (ops::conv2d_optimized). Other
  // steps compute everything.
  void run_step(int step, const std::vector<const float*>& inputs, float* output, int batch, ThreadPool* pool,
                const uint64_t* needed = nullptr, const float* const* fill = nullptr) const {
    exec_->run_step(step, inputs, output, batch, pool, needed, fill);
  }

  // Whether run_step's `needed` can save work on step `step`: a conv for which
  // ops::choose_conv2d_path picks the zero-skipping kernel when run single-threaded with a
  // bitmap; or an int8 conv over a map (the integer kernel skips tiles of positions).
  bool step_skips_positions(int step) const { return exec_->step_skips_positions(step); }

  // Whether run_step_segment can run step `step`: a conv whose reduction splits by input
  // channel (ops::conv2d_segment_supported; optimized variant: with channel-major weights).
  bool step_resumable(int step) const { return exec_->step_resumable(step); }

  // Runs conv step `step` over input channels [seg.ci_begin, seg.ci_end) only, from the
  // partial sums seg.partial ([batch, out_c, h, w], raw sums of the channels before, as an
  // earlier call with finish = false wrote them), as ops::conv2d_segment_*; with
  // seg.finish, `output` gets exactly run_step's bits (bias and fused epilogue included).
  // Thread-safety as run_step. For step_resumable steps only (UsageError otherwise).
  void run_step_segment(int step, const std::vector<const float*>& inputs, const ops::Conv2dSegment& seg, float* output,
                        int batch, ThreadPool* pool) const {
    exec_->run_step_segment(step, inputs, seg, output, batch, pool);
  }

  // Prepares `weights`, the slice of output channel `channel` of the weight tensor of conv
  // or linear step `step` ([in_c/groups, k, k] resp. [in] floats), for run_step_channel.
  ChannelWeights channel_weights(int step, int channel, const float* weights) const {
    return exec_->channel_weights(step, channel, weights);
  }

  // What an activation fault needs of its own: element `element` (c * h * w + position) of
  // the value of node `node`, a member of step `step` (its output, or the raw output of the
  // conv that starts a fused step), changed by `change` in every image. UsageError for a
  // node that is not such a member or an element outside its value.
  ChannelWeights element_change(int step, int node, int64_t element, std::function<float(float)> change) const {
    return exec_->element_change(step, node, element, std::move(change));
  }

  // Like run_step, but computes and writes only channel cw.channel of `output`, with cw's
  // weights (and the step's own bias and fused batch norm/add/ReLU); the other channels of
  // `output` are left as they are. Each written element has exactly the bits run_step
  // gives when the weight tensor holds cw's slice. Single-threaded; thread-safe.
  // With cw.changes_element() (element_change), `output` must hold the step's golden rows:
  // only element cw.element of each image is written, the changed value taken through the
  // rest of the step (a fused conv's raw value is recomputed: conv2d_reference_element,
  // then the fused epilogue), so it has the bits of the unfused nodes with the value
  // changed between them.
  void run_step_channel(const ChannelWeights& cw, const std::vector<const float*>& inputs, float* output,
                        int batch) const {
    exec_->run_step_channel(cw, inputs, output, batch);
  }

  const Executor& executor() const { return *exec_; }

 private:
  const Executor* exec_;
};

}  // namespace faultbench
