// conv2d with any window (Window2d: rectangular kernels, per-axis strides, dilation,
// asymmetric pads, groups, depthwise): the reference against a loop written here over an
// explicitly zero-padded input, and every path that accepts the layer against the
// reference, bit for bit, with the path that ran asserted.
#include <cmath>
#include <string>
#include <vector>

#include "faultbench/error.h"
#include "faultbench/ops/conv2d.h"
#include "faultbench/util/parallel.h"
#include "ops/op_test_util.h"

namespace faultbench {
namespace {

using ops::Conv2dPath;
using ops::Conv2dShape;
using namespace faultbench::testing;

struct WinCase {
  const char* name;
  int batch, in_c, in_h, in_w, out_c, groups;
  Window2d w;
  bool bias;
};

std::ostream& operator<<(std::ostream& os, const WinCase& c) { return os << c.name; }

Window2d win(int kh, int kw, int sh, int sw, int dh, int dw, int pt, int pl, int pb, int pr) {
  return {kh, kw, sh, sw, dh, dw, pt, pl, pb, pr};
}

const WinCase kWinCases[] = {
    {"k1x3_pads_0_1_0_1", 2, 4, 6, 7, 8, 1, win(1, 3, 1, 1, 1, 1, 0, 1, 0, 1), true},
    {"k5x1_stride_2x1", 1, 3, 11, 5, 6, 1, win(5, 1, 2, 1, 1, 1, 2, 0, 2, 0), false},
    {"k3_dilation_2", 2, 5, 9, 9, 7, 1, win(3, 3, 1, 1, 2, 2, 2, 2, 2, 2), true},
    {"k3_stride_2x1_pads_0_1_1_0", 1, 6, 8, 7, 5, 1, win(3, 3, 2, 1, 1, 1, 0, 1, 1, 0), true},
    {"grouped_stride_1x2", 2, 8, 7, 9, 12, 2, win(3, 3, 1, 2, 1, 1, 1, 1, 1, 1), false},
    {"depthwise_same_upper_stride_2", 2, 6, 8, 8, 6, 6, win(3, 3, 2, 2, 1, 1, 0, 0, 1, 1), true},
    {"depthwise_k5_dilation_2x1", 1, 4, 12, 10, 8, 4, win(5, 5, 1, 1, 2, 1, 4, 2, 4, 2), false},
    {"k2x4_stride_3x2_dilation_1x2", 1, 3, 10, 13, 4, 1, win(2, 4, 3, 2, 1, 2, 1, 0, 0, 3), true},
    {"wide_channels_asymmetric", 2, 16, 6, 6, 40, 1, win(3, 3, 1, 1, 1, 1, 1, 1, 0, 0), false},
    // Square windows built through conv2d_shape: the square paths, as in the zoo.
    {"square_3x3_through_window", 2, 8, 8, 8, 16, 1, Window2d::square(3, 1, 1), true},
    {"square_depthwise_through_window", 1, 8, 9, 9, 8, 8, Window2d::square(3, 2, 1), false},
};

Conv2dShape shape_of(const WinCase& c) {
  const Window2d& w = c.w;
  const int oh = window_output_size(c.in_h, w.kernel_h, w.stride_h, w.dilation_h, w.pad_top, w.pad_bottom, false);
  const int ow = window_output_size(c.in_w, w.kernel_w, w.stride_w, w.dilation_w, w.pad_left, w.pad_right, false);
  return ops::conv2d_shape(c.batch, c.in_c, c.in_h, c.in_w, c.out_c, oh, ow, w, c.groups);
}

// The definition, written independently of the kernels: copy the input into a zeroed
// padded plane, then out[oh][ow] = fma chain over (ci, kh, kw) of the dilated taps.
std::vector<float> straightforward(const Conv2dShape& s, const Window2d& w, const std::vector<float>& x,
                                   const std::vector<float>& weight, const float* bias) {
  const int hp = s.in_h + w.pad_top + w.pad_bottom, wp = s.in_w + w.pad_left + w.pad_right;
  const int cin_g = s.in_c / s.groups, cout_g = s.out_c / s.groups;
  std::vector<float> padded(size_t(s.batch) * s.in_c * hp * wp, 0.0f);
  for (int n = 0; n < s.batch; ++n)
    for (int c = 0; c < s.in_c; ++c)
      for (int h = 0; h < s.in_h; ++h)
        for (int v = 0; v < s.in_w; ++v)
          padded[((size_t(n) * s.in_c + c) * hp + h + w.pad_top) * wp + v + w.pad_left] =
              x[((size_t(n) * s.in_c + c) * s.in_h + h) * s.in_w + v];
  std::vector<float> y(size_t(s.batch) * s.out_c * s.out_h * s.out_w);
  for (int n = 0; n < s.batch; ++n)
    for (int co = 0; co < s.out_c; ++co)
      for (int oh = 0; oh < s.out_h; ++oh)
        for (int ow = 0; ow < s.out_w; ++ow) {
          float acc = 0.0f;
          for (int c = 0; c < cin_g; ++c) {
            const int ci = co / cout_g * cin_g + c;
            for (int i = 0; i < w.kernel_h; ++i)
              for (int j = 0; j < w.kernel_w; ++j) {
                const float xv = padded[((size_t(n) * s.in_c + ci) * hp + oh * w.stride_h + i * w.dilation_h) * wp +
                                        ow * w.stride_w + j * w.dilation_w];
                acc = std::fma(weight[((size_t(co) * cin_g + c) * w.kernel_h + i) * w.kernel_w + j], xv, acc);
              }
          }
          y[((size_t(n) * s.out_c + co) * s.out_h + oh) * s.out_w + ow] = bias ? acc + bias[co] : acc;
        }
  return y;
}

class Conv2dWindows : public ::testing::TestWithParam<WinCase> {};

TEST_P(Conv2dWindows, ReferenceMatchesTheDefinitionAndEveryAcceptingPathMatchesTheReference) {
  const WinCase& c = GetParam();
  const Conv2dShape s = shape_of(c);
  ASSERT_EQ(s.general.has_value(), !c.w.is_square());
  const size_t out_n = size_t(s.batch) * s.out_c * s.out_h * s.out_w;
  const auto x = random_floats(size_t(s.batch) * s.in_c * s.in_h * s.in_w, 1);
  const auto wt = random_floats(size_t(s.out_c) * (s.in_c / s.groups) * c.w.kernel_h * c.w.kernel_w, 2);
  const auto b = random_floats(size_t(s.out_c), 3);
  const float* bias = c.bias ? b.data() : nullptr;

  std::vector<float> ref(out_n, -7.0f);
  ops::conv2d_reference(s, x.data(), wt.data(), bias, ref.data());
  EXPECT_BITWISE_EQ(straightforward(s, c.w, x, wt, bias), ref);

  auto pack = ops::conv2d_pack(s, wt.data());
  ThreadPool pool(2);
  // A window that is not square runs Plain (depthwise) or Gemm; a square one runs what it
  // runs in the zoo, never Plain.
  const Conv2dPath chosen = ops::choose_conv2d_path(pack, {s.batch, 1, false, x.data()});
  if (s.general)
    EXPECT_EQ(chosen, s.in_c == s.groups ? Conv2dPath::Plain : Conv2dPath::Gemm);
  else
    EXPECT_NE(chosen, Conv2dPath::Plain);
  for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
    std::vector<float> y(out_n, 5.0f);
    const Conv2dPath ran = ops::conv2d_optimized(s, x.data(), pack, bias, y.data(), p);
    EXPECT_EQ(std::string(ops::conv2d_path_name(ran)), ops::conv2d_path_name(chosen));
    EXPECT_BITWISE_EQ(ref, y);
  }
  int accepting = 0;
  for (const Conv2dPath path : ops::kConv2dPaths) {
    SCOPED_TRACE(ops::conv2d_path_name(path));
    std::vector<float> y(out_n, 9.0f);
    if (!ops::conv2d_path_available(pack, path)) {
      EXPECT_THROW(ops::conv2d_run_path(path, s, x.data(), pack, bias, y.data(), nullptr), UsageError);
      continue;
    }
    ++accepting;
    for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
      ops::conv2d_run_path(path, s, x.data(), pack, bias, y.data(), p);
      EXPECT_BITWISE_EQ(ref, y);
    }
  }
  EXPECT_GE(accepting, 1);

  // The fused epilogue (batch norm, residual, ReLU) after the layer: the unfused operations.
  const auto alpha = random_floats(size_t(s.out_c), 4), beta = random_floats(size_t(s.out_c), 5);
  const auto res = random_floats(out_n, 6);
  ops::ConvEpilogue epi;
  epi.alpha = alpha.data();
  epi.beta = beta.data();
  epi.residual = res.data();
  epi.relu = true;
  std::vector<float> want(out_n);
  const size_t plane = size_t(s.out_h) * s.out_w;
  for (size_t i = 0; i < out_n; ++i) {
    const size_t co = i / plane % size_t(s.out_c);
    const float v = ref[i] * alpha[co] + beta[co];
    const float r = v + res[i];
    want[i] = r < 0.0f ? 0.0f : r;
  }
  std::vector<float> fused(out_n);
  ops::conv2d_optimized(s, x.data(), pack, bias, fused.data(), &pool, epi);
  EXPECT_BITWISE_EQ(want, fused);

  // A changed weight (what a fault campaign does): the patched pack gives the new reference.
  auto w2 = wt;
  const int64_t at = int64_t(w2.size()) / 3;
  w2[size_t(at)] = 1.5f;
  ops::conv2d_pack_set(pack, at, 1.5f);
  std::vector<float> ref2(out_n), y2(out_n);
  ops::conv2d_reference(s, x.data(), w2.data(), bias, ref2.data());
  ops::conv2d_optimized(s, x.data(), pack, bias, y2.data(), nullptr);
  EXPECT_BITWISE_EQ(ref2, y2);
}

INSTANTIATE_TEST_SUITE_P(AnyWindow, Conv2dWindows, ::testing::ValuesIn(kWinCases),
                         [](const ::testing::TestParamInfo<WinCase>& info) { return std::string(info.param.name); });

TEST(Conv2dWindows, ShapeRulesNameTheWindow) {
  // Output size per axis: floor((in + pad_begin + pad_end - (k - 1) * d - 1) / s) + 1.
  EXPECT_EQ(window_output_size(7, 3, 2, 1, 0, 1, false), 3);
  EXPECT_EQ(window_output_size(9, 3, 1, 2, 2, 2, false), 9);
  EXPECT_EQ(window_output_size(4, 5, 1, 1, 0, 0, false), 0);  // does not fit: empty
  Conv2dShape s = ops::conv2d_shape(1, 2, 4, 4, 2, 4, 2, win(1, 3, 1, 2, 1, 1, 0, 1, 0, 1), 1);
  EXPECT_NO_THROW(ops::validate_conv2d(s));
  s.out_w = 3;
  EXPECT_THROW(ops::validate_conv2d(s), UsageError);
  // A dilated kernel wider than the padded input.
  s = ops::conv2d_shape(1, 2, 4, 4, 2, 1, 1, win(3, 3, 1, 1, 2, 2, 0, 0, 0, 0), 1);
  try {
    ops::validate_conv2d(s);
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("window 5x5"), std::string::npos) << e.what();
  }
  s.general->pad_left = -1;
  EXPECT_THROW(ops::validate_conv2d(s), UsageError);
}

}  // namespace
}  // namespace faultbench
