// Everything a campaign loads before it runs: the model with its weights, the test images,
// the fault list resolved against the model, and the binding that ties results to them.
// run_campaign loads them once; every MPI worker rank loads them too and checks that its
// binding equals the coordinator's (the same files on every node).
#pragma once
#include <string>
#include <vector>

#include "faultbench/campaign/campaign.h"
#include "faultbench/campaign/journal.h"
#include "faultbench/data/image_selection.h"
#include "faultbench/faults/fault.h"
#include "faultbench/faults/list_sidecar.h"
#include "faultbench/graph.h"

namespace faultbench {

struct CampaignInputs {
  Graph graph;                          // weights loaded
  SelectedImages selected;              // an engine references selected.images: do not move after use
  FaultList list;                       // spec.fault_model applied
  std::vector<ResolvedFault> resolved;  // by list position
  FoundListSidecar list_sidecar;
  CampaignBinding binding;
};

// Loads and checks the inputs of `spec` (the errors of run_campaign: an unknown layer, an
// empty list or test set, a list drawn for another model...). Does not look at the outputs.
CampaignInputs load_campaign_inputs(const CampaignSpec& spec);

}  // namespace faultbench
