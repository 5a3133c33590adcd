// Pillow-exact bilinear resize of 8-bit images (what Image.resize(size, Image.BILINEAR)
// and torchvision's Resize on a PIL image compute), re-implemented from the behaviour of
// Pillow's libImaging/Resample.c (checked byte for byte against Debian's Pillow 9.4):
//  - separable, antialiased: for each output pixel, the triangle filter's support is
//    scaled by the downscale factor (support = 1 * max(in/out, 1)), weights are computed in
//    double, normalized to sum 1, then converted to fixed point with 22 fraction bits
//    (PRECISION_BITS = 32 - 8 - 2), each rounded half away from zero;
//  - horizontal pass first (only over the rows the vertical pass reads), then vertical;
//    each pass accumulates in int32 starting at 1 << 21, shifts right by 22 and clips to
//    [0, 255], so the intermediate image is rounded to uint8;
//  - a pass whose size does not change is skipped.
#pragma once
#include <cstdint>
#include <vector>

namespace faultbench {

// src: planar [channels, in_h, in_w] bytes. Returns planar [channels, out_h, out_w].
// UsageError on non-positive sizes.
std::vector<uint8_t> pil_resize_bilinear(const uint8_t* src, int channels, int in_h, int in_w, int out_h, int out_w);

}  // namespace faultbench
