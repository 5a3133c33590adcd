// Bitmaps of the positions that can differ from golden (position_masks.h).
#include "position_masks.h"

#include <algorithm>

#include "faultbench/ops/elementwise.h"

namespace faultbench::campaign_detail {

bool mark_changed(const float* a, const float* g, int channels, int64_t positions, uint64_t* bits) {
  std::fill(bits, bits + mask_words(positions), uint64_t(0));
  or_changed(a, g, channels, positions, bits);
  return any_position(bits, positions);
}

void or_changed(const float* a, const float* g, int channels, int64_t positions, uint64_t* bits) {
  ops::mark_bitwise_differences(a, g, channels, positions, bits);  // vectorized for the SIMD target
}

bool any_position(const uint64_t* bits, int64_t positions) {
  uint64_t any = 0;
  for (int64_t i = 0; i < mask_words(positions); ++i) any |= bits[i];
  return any != 0;
}

namespace {
bool test(const uint64_t* m, int64_t p) { return (m[p / 64] >> (p % 64)) & 1u; }

// Bits [at, at + n) of a packed bitmap, n <= 64.
uint64_t get_bits(const uint64_t* m, int64_t at, int n) {
  const int64_t w = at / 64;
  const int sh = int(at % 64);
  uint64_t v = m[w] >> sh;
  if (sh != 0 && sh + n > 64) v |= m[w + 1] << (64 - sh);
  return n == 64 ? v : v & ((uint64_t(1) << n) - 1);
}

void or_bits(uint64_t* m, int64_t at, int n, uint64_t v) {
  const int64_t w = at / 64;
  const int sh = int(at % 64);
  m[w] |= v << sh;
  if (sh != 0 && sh + n > 64) m[w + 1] |= v >> (64 - sh);
}
}  // namespace

void dilate(const uint64_t* in, int in_h, int in_w, const Window2d& w, int out_h, int out_w, uint64_t* out) {
  std::fill(out, out + mask_words(int64_t(out_h) * out_w), uint64_t(0));
  const int eh = w.extent_h(), ew = w.extent_w();
  if (in_w <= 64 && out_w <= 64) {
    // Row by row: `rows` ORs the input rows of the window; output column ow is set when
    // rows has a bit in the window's columns [ow * stride_w - pad_left, + extent_w).
    for (int oh = 0; oh < out_h; ++oh) {
      uint64_t rows = 0;
      const int ih0 = std::max(0, oh * w.stride_h - w.pad_top), ih1 = std::min(in_h, oh * w.stride_h - w.pad_top + eh);
      for (int ih = ih0; ih < ih1; ++ih) rows |= get_bits(in, int64_t(ih) * in_w, in_w);
      if (rows == 0) continue;
      uint64_t row = 0;
      for (int ow = 0; ow < out_w; ++ow) {
        const int iw0 = ow * w.stride_w - w.pad_left;
        const int lo = std::max(0, iw0), hi = std::min(in_w, iw0 + ew);
        if (hi <= lo) continue;
        const uint64_t span = (hi - lo == 64 ? ~uint64_t(0) : ((uint64_t(1) << (hi - lo)) - 1)) << lo;
        if (rows & span) row |= uint64_t(1) << ow;
      }
      or_bits(out, int64_t(oh) * out_w, out_w, row);
    }
    return;
  }
  for (int oh = 0; oh < out_h; ++oh)
    for (int ow = 0; ow < out_w; ++ow) {
      bool hit = false;
      const int ih0 = std::max(0, oh * w.stride_h - w.pad_top), ih1 = std::min(in_h, oh * w.stride_h - w.pad_top + eh);
      const int iw0 = std::max(0, ow * w.stride_w - w.pad_left),
                iw1 = std::min(in_w, ow * w.stride_w - w.pad_left + ew);
      for (int ih = ih0; ih < ih1 && !hit; ++ih)
        for (int iw = iw0; iw < iw1 && !hit; ++iw) hit = test(in, int64_t(ih) * in_w + iw);
      if (hit) out[(int64_t(oh) * out_w + ow) / 64] |= uint64_t(1) << ((int64_t(oh) * out_w + ow) % 64);
    }
}

}  // namespace faultbench::campaign_detail
