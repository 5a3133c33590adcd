// Drawing multi-bit and multi-site fault lists (sampling.h). Not a public header.
#pragma once
#include <vector>

#include "faultbench/faults/sampling.h"

namespace faultbench {

// draw_faults for params.multi(): per fault (Injection = 0, 1, ... in layer order), from the
// same CPython stream as the single-bit draw:
//   K bits:  index_d = randint(0, dim_d - 1) for each dim, then adjacent: start =
//            randint(0, 32 - K), bits start..start+K-1; else randint(0, 31) until K distinct
//            bits (written ascending), K rows
//   M sites: the first in the fault's layer, each other one in the same layer (--same-layer)
//            or in the layer of weight randint(0, W - 1) (layer offsets in named_parameters
//            order); then the index as above and bit = randint(0, 31); a site already in the
//            fault is drawn again. M rows in draw order.
// A fault whose set of sites was drawn before is drawn again whole.
FaultList draw_multi_site_faults(const std::vector<WeightSite>& sites, const SamplePlan& plan,
                                 const SamplingParams& params);

}  // namespace faultbench
