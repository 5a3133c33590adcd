// The suffix recomputation of the fast mode: one fault against one golden chunk, as a
// pipeline of stages per step of the fault's suffix (simulation.cpp):
//   gather_inputs -> choose -> run_step -> mark_differences -> retire_values ->
//   retire_masked_images (-> compact), then classify_survivors on the logits.
#pragma once
#include <vector>

#include "../golden_record.h"
#include "buffers.h"
#include "faultbench/campaign/classify.h"
#include "faulty_steps.h"
#include "golden_chunk.h"
#include "profile.h"
#include "schedule.h"
#include "suffix_state.h"

namespace faultbench::campaign_detail {

// One thread's scratch for simulating faults. The threads share the engine's executor
// (golden weights); a fault's own weights live in a ChannelWeights per faulty channel.
struct Worker {
  BufferPool pool;
  IdVector<ValueId, ChangedValue> values;  // per value of the graph
  ActiveImages active;
  std::vector<ValueId> live;             // changed values still needed
  std::vector<Lane> keep;                // lanes that still differ somewhere
  std::vector<const float*> ins, fill;   // the step being run: input rows, golden output rows
  std::vector<AlignedBuffer> temps;      // gathered golden rows of the step being run
  std::vector<uint64_t> needed, window;  // needed_positions
  WorkerProfile profile;                 // EngineOptions::profile only
};

// What every simulation reads, shared by the threads.
struct SimContext {
  const Graph& graph;
  ExecutorSteps exec;
  const StepIndex& index;
  const GoldenChunk& chunk;
  const ResumePoints& resume;
  const GoldenRecord& golden;
  bool profile = false;
};

// The counts of the chunk's images under the fault `run` (its faulty steps and plan).
FaultCounts simulate_chunk(const SimContext& ctx, const FaultRun& run, Worker& w);

// For a conv step whose changed inputs all have position bitmaps: per active image, the
// output positions that may differ (needed_positions.cpp). Null when the step cannot skip
// positions, reads a changed value without a bitmap, or most positions are needed.
const uint64_t* needed_positions(const SimContext& ctx, StepId s, Worker& w);

}  // namespace faultbench::campaign_detail
