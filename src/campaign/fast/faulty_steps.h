// A fault as the fast mode runs it: the steps whose weights it changes, each with its
// faulty output channels and their own weights. A weight site changes one output channel
// of its layer (a conv weight [co, ci, kh, kw] feeds channel co only, a linear weight
// [out, in] feature out), so a fault of any number of sites is a set of faulty channels
// per faulty step; the simulation (simulation.h) recomputes those channels with these
// weights, over whatever arrives from the faulty steps before.
#pragma once
#include <vector>

#include "faultbench/campaign/engine.h"
#include "schedule.h"

namespace faultbench::campaign_detail {

struct FaultyStep {
  StepId step;
  std::vector<ChannelWeights> channels;  // by increasing channel, each with all its sites applied
};

// What one fault needs of its own, prepared once for all chunks.
struct FaultRun {
  const SuffixPlan* plan = nullptr;  // of step_ids(steps)
  std::vector<FaultyStep> steps;     // forward order
};

// Whether node n's weight feeds its output channels as faulty_steps assumes: a conv or
// linear node, fp32-typed or int8 (an int8 linear layer's weight is [out, in]).
bool is_channel_weight_node(const Node& n);

// The faulty steps of `fault` (every site's weight must be the weight of the conv or
// linear node that heads its step). Sites sharing a weight are applied in the fault's
// order, as brute force applies them (multi_site.h).
std::vector<FaultyStep> faulty_steps(const Graph& graph, ExecutorSteps exec, const StepIndex& index,
                                     const ResolvedFault& fault);

// The steps of faulty_steps(), the key of the fault's SuffixPlan.
std::vector<StepId> step_ids(const std::vector<FaultyStep>& steps);

}  // namespace faultbench::campaign_detail
