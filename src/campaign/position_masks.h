// Which positions of an activation can differ from golden (fast mode). A value [c, h, w]
// of one image gets a bitmap over its h * w positions: bit p set where some channel's
// value at p differs bitwise from golden. A conv's output position can only differ where
// its window holds a set input position (or, for a fused residual add, where the residual
// differs), so the conv need only compute those (Executor::run_step's `needed`).
#pragma once
#include <cstdint>

#include "faultbench/window2d.h"

namespace faultbench::campaign_detail {

inline int64_t mask_words(int64_t positions) { return (positions + 63) / 64; }

// bits[0, mask_words(positions)) = positions where a differs from g bitwise in one of the
// `channels` planes (each `positions` floats). Returns whether any bit is set.
bool mark_changed(const float* a, const float* g, int channels, int64_t positions, uint64_t* bits);
// As mark_changed, but ORs into bits (set bits are kept) and returns nothing.
void or_changed(const float* a, const float* g, int channels, int64_t positions, uint64_t* bits);
// Whether a bit of bits[0, mask_words(positions)) is set.
bool any_position(const uint64_t* bits, int64_t positions);

// out = positions (oh, ow) of window w over in (in_h x in_w) whose span holds a set
// position of in; out has mask_words(out_h * out_w) words. The span is the window's
// extent, rows [oh * stride_h - pad_top, + extent_h) by the same in columns: exactly the
// window's cells without dilation, a superset with it (a needed superset only costs time).
void dilate(const uint64_t* in, int in_h, int in_w, const Window2d& w, int out_h, int out_w, uint64_t* out);

}  // namespace faultbench::campaign_detail
