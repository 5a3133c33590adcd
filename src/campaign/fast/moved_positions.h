// Position bitmaps (position_masks.h) through the operators of imported graphs, so that a
// conv after them can still skip the positions that stay golden (fast mode):
//   pointwise (Unary; Binary of equal shapes) keep the positions; Pad, Slice, Resize and
//   Transpose of h/w move them; a broadcast operand ([C,1,1] gate, [1,H,1] row...) widens
//   each of its positions to all the output positions it feeds; Softmax ([C,1,1]) and a
//   Transpose or Reshape that moves channels into positions are conservative: any changed
//   input position marks every output position (exact rules would cost more than they save).
// The operators themselves still compute every position (they cost little next to a conv);
// only the convs after them skip.
#pragma once
#include <cstdint>

#include "faultbench/graph.h"

namespace faultbench::campaign_detail {

// Whether or_input_positions handles node kind `kind`.
bool moves_positions(OpKind kind);

// ORs into `out` (the output's bitmap, mask_words(out.h * out.w) words) every output
// position of node n that reads a set position of input k's bitmap `in`; in == null means
// every input position may differ (a changed value without a bitmap).
void or_input_positions(const Graph& g, const Node& n, size_t k, const uint64_t* in, uint64_t* out);

}  // namespace faultbench::campaign_detail
