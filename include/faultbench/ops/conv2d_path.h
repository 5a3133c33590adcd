// Which optimized kernel computes a conv2d call. One function decides, choose_conv2d_path:
// the dispatcher (conv2d_optimized) runs what it returns, the executor asks it whether a
// step can skip output positions, and the tests ask it which path a case exercises. Every
// path gives the bits of conv2d_reference; the choice changes speed only.
#pragma once
#include <cstdint>

namespace faultbench::ops {

class Conv2dPacked;

// The kernels behind conv2d_optimized, one file each in src/ops/conv2d/.
enum class Conv2dPath : uint8_t {
  None,       // an empty batch: nothing runs
  Depthwise,  // one input channel per group (depthwise.cpp)
  Taps,       // padding-skipping, small padded maps (taps.cpp)
  Sparse,     // zero-skipping over inputs that are +-0 (sparse.cpp)
  Channels,   // small output maps, vectors over output channels (channels.cpp)
  Gemm,       // direct GEMM over stride-phase planes (gemm.cpp)
  Plain,      // depthwise, any window: the reference's loops over the pool (plain.cpp)
};
// Every path that computes something, for tests that cover them all.
inline constexpr Conv2dPath kConv2dPaths[] = {Conv2dPath::Depthwise, Conv2dPath::Taps, Conv2dPath::Sparse,
                                              Conv2dPath::Channels,  Conv2dPath::Gemm, Conv2dPath::Plain};
const char* conv2d_path_name(Conv2dPath path);

// Which kernel conv2d_optimized may use for a non-depthwise layer, set per packed layer
// (Conv2dPacked::set_sparsity). Auto takes the padding-skipping kernel on small padded
// maps, and picks the zero-skipping kernel when the layer allows it (enough output
// channels, every weight finite) and at least kSparseMinZeroFraction of the first image's
// inputs are +-0 (post-ReLU activations), and within it sends an image on to the GEMM
// kernel when too few of its fmas can be skipped; Always takes the zero-skipping kernel
// whenever the layer allows it, Never never. Every choice gives the same bits; the setting
// exists for tests and benchmarks.
enum class ConvSparsity : uint8_t { Auto, Always, Never };
constexpr double kSparseMinZeroFraction = 0.45;

// What besides the packed layer the choice depends on.
struct Conv2dCall {
  int batch = 1;
  int threads = 1;           // the pool's size; 1 without a pool
  bool needed = false;       // a bitmap of needed output positions comes with the call
  const float* x = nullptr;  // the input: Auto counts the first image's zeros (null: as if none)
};

// The rules, in order: an empty batch runs nothing; a depthwise layer whose window is not
// square (Conv2dShape::general) runs Plain, any other such layer Gemm (the other kernels
// are written for square windows); a depthwise layer runs Depthwise;
// without a bitmap, a layer with a padding-skipping plan and finite weights runs Taps
// when the pack's sparsity is Auto; a layer that allows zero skipping (enough output
// channels, every weight finite, sparsity not Never) runs Sparse unless several threads
// would share fewer than two (image, group) pairs each (that kernel splits work by pairs
// only), and then when a bitmap comes with the call, under Always, or when at least
// kSparseMinZeroFraction of the first image's inputs are +-0; otherwise a small output
// map runs Channels and any other layer Gemm.
Conv2dPath choose_conv2d_path(const Conv2dPacked& pack, const Conv2dCall& call);

// Whether `path` can compute `pack`'s layer with the reference's bits (conv2d_run_path).
bool conv2d_path_available(const Conv2dPacked& pack, Conv2dPath path);

}  // namespace faultbench::ops
