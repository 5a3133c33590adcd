// Everything a campaign loads before it runs: the model with its weights, the test images,
// the fault list resolved against the model, and the binding that ties results to them.
// run_campaign loads them once; every MPI worker rank loads them too and checks that its
// binding equals the coordinator's (the same files on every node).
#pragma once
#include <string>
#include <vector>

#include "faultbench/campaign/campaign.h"
#include "faultbench/campaign/int8_setup.h"
#include "faultbench/campaign/journal.h"
#include "faultbench/data/image_selection.h"
#include "faultbench/faults/fault.h"
#include "faultbench/faults/list_sidecar.h"
#include "faultbench/graph.h"
#include "faultbench/graph/numerics_graph.h"

namespace faultbench {

struct CampaignInputs {
  Graph graph;              // weights loaded, spec.numerics applied
  NumericsReport numerics;  // what the conversion to spec.numerics did
  Int8Setup int8;           // int8: the calibration and the quantized layers
  SelectedImages selected;  // an engine references selected.images: do not move after use
  FaultList list;           // its rows, spec.fault_model applied
  // Rows sharing an Injection id are one fault (fault_group.h). Campaign positions (journal,
  // shards, the seeded order, results) count faults: faults[i] is fault i's first row,
  // sites[i] its row count, resolved[i] all its sites.
  std::vector<Fault> faults;
  std::vector<int> sites;
  bool multi_site = false;  // some fault has several sites: RESULTS.csv gains `sites`
  std::vector<ResolvedFault> resolved;
  FoundListSidecar list_sidecar;
  CampaignBinding binding;
};

// Loads and checks the inputs of `spec` (the errors of run_campaign: an unknown layer, an
// empty list or test set, a list drawn for another model...). Does not look at the outputs.
CampaignInputs load_campaign_inputs(const CampaignSpec& spec);

}  // namespace faultbench
