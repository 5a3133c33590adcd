// One output element of a convolution, for the campaign's activation faults: a fused step
// never stores its conv's raw output, so the executor recomputes the one value a fault
// changes (src/graph/executor_element.cpp).
#pragma once
#include "faultbench/ops/conv2d.h"

namespace faultbench::ops {

// Output element (image n, channel co, position (oh, ow)) of conv2d_reference, bias
// included: the same operations in the same order, so the same bits as every path.
float conv2d_reference_element(const Conv2dShape& s, const float* x, const float* weight, const float* bias, int n,
                               int co, int oh, int ow);

}  // namespace faultbench::ops
