// Pooling with any window (Window2d) and ONNX's options: max pooling with dilation and
// asymmetric pads (pads act as -inf), average pooling with count_include_pad true and
// false and ceil_mode as PyTorch/ONNX define them, global max pooling. The kernels against
// loops written here from the definitions, and the optimized kernels against the
// reference, bit for bit.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "faultbench/error.h"
#include "faultbench/ops/pool.h"
#include "faultbench/util/parallel.h"
#include "ops/op_test_util.h"

namespace faultbench {
namespace {

using namespace faultbench::testing;
constexpr float kInf = std::numeric_limits<float>::infinity();

struct PoolCase {
  const char* name;
  int batch, channels, in_h, in_w;
  Window2d w;
  bool ceil_mode, count_include_pad;
};

std::ostream& operator<<(std::ostream& os, const PoolCase& c) { return os << c.name; }

Window2d win(int kh, int kw, int sh, int sw, int dh, int dw, int pt, int pl, int pb, int pr) {
  return {kh, kw, sh, sw, dh, dw, pt, pl, pb, pr};
}

ops::Pool2dShape shape_of(const PoolCase& c) {
  const Window2d& w = c.w;
  const int oh = window_output_size(c.in_h, w.kernel_h, w.stride_h, w.dilation_h, w.pad_top, w.pad_bottom, c.ceil_mode);
  const int ow = window_output_size(c.in_w, w.kernel_w, w.stride_w, w.dilation_w, w.pad_left, w.pad_right, c.ceil_mode);
  return ops::pool2d_shape(c.batch, c.channels, c.in_h, c.in_w, oh, ow, w, c.ceil_mode, c.count_include_pad);
}

const PoolCase kCases[] = {
    {"k3_s2_p1_ceil_include_pad", 2, 3, 8, 8, Window2d::square(3, 2, 1), true, true},
    {"k3_s2_p1_ceil_exclude_pad", 2, 3, 8, 8, Window2d::square(3, 2, 1), true, false},
    {"k3_s2_p1_floor_exclude_pad", 1, 2, 7, 7, Window2d::square(3, 2, 1), false, false},
    {"k2_s2_ceil_odd_map", 1, 2, 5, 7, Window2d::square(2, 2, 0), true, true},
    {"k3_s1_pads_0_1_1_0_exclude", 1, 3, 6, 5, win(3, 3, 1, 1, 1, 1, 0, 1, 1, 0), false, false},
    {"k3_s1_pads_0_1_1_0_include", 1, 3, 6, 5, win(3, 3, 1, 1, 1, 1, 0, 1, 1, 0), false, true},
    {"k1x3_s2x1_pads_0_1_0_1_ceil", 2, 2, 7, 6, win(1, 3, 2, 1, 1, 1, 0, 1, 0, 1), true, false},
    {"k3x2_s2_same_upper_ceil", 1, 4, 9, 8, win(3, 2, 2, 2, 1, 1, 1, 0, 1, 1), true, true},
    {"k5x1_s1x2_pads_2_0_2_0", 1, 2, 9, 6, win(5, 1, 1, 2, 1, 1, 2, 0, 2, 0), false, false},
    {"interior_3x2_s1x2", 2, 2, 6, 9, win(3, 2, 1, 2, 1, 1, 0, 0, 0, 0), false, true},
};

// Definitions: windows over the padded plane (rows [-pad_top, in_h + pad_bottom)); a
// ceil-mode window may run past it and is cut there.
std::vector<float> max_definition(const ops::Pool2dShape& s, const Window2d& w, const std::vector<float>& x) {
  std::vector<float> y;
  for (int nc = 0; nc < s.batch * s.channels; ++nc)
    for (int oh = 0; oh < s.out_h; ++oh)
      for (int ow = 0; ow < s.out_w; ++ow) {
        float m = -kInf;
        for (int i = 0; i < w.kernel_h; ++i)
          for (int j = 0; j < w.kernel_w; ++j) {
            const int h = oh * w.stride_h + i * w.dilation_h - w.pad_top;
            const int v = ow * w.stride_w + j * w.dilation_w - w.pad_left;
            const float cell = (h >= 0 && h < s.in_h && v >= 0 && v < s.in_w)
                                   ? x[(size_t(nc) * s.in_h + h) * s.in_w + v]
                                   : -kInf;  // padding
            if (cell > m || std::isnan(cell)) m = cell;
          }
        y.push_back(m);
      }
  return y;
}

std::vector<float> avg_definition(const ops::Pool2dShape& s, const Window2d& w, const std::vector<float>& x) {
  std::vector<float> y;
  for (int nc = 0; nc < s.batch * s.channels; ++nc)
    for (int oh = 0; oh < s.out_h; ++oh)
      for (int ow = 0; ow < s.out_w; ++ow) {
        float sum = 0.0f;
        int in_padded = 0, in_input = 0;
        for (int i = 0; i < w.kernel_h; ++i)
          for (int j = 0; j < w.kernel_w; ++j) {
            const int h = oh * w.stride_h + i - w.pad_top, v = ow * w.stride_w + j - w.pad_left;
            if (h >= s.in_h + w.pad_bottom || v >= s.in_w + w.pad_right) continue;  // past the padded input
            ++in_padded;
            if (h < 0 || h >= s.in_h || v < 0 || v >= s.in_w) continue;
            ++in_input;
            sum += x[(size_t(nc) * s.in_h + h) * s.in_w + v];
          }
        y.push_back(sum / float(s.count_include_pad ? in_padded : in_input));
      }
  return y;
}

class PoolWindows : public ::testing::TestWithParam<PoolCase> {};

TEST_P(PoolWindows, KernelsMatchTheDefinitionsBitwise) {
  const PoolCase& c = GetParam();
  const ops::Pool2dShape s = shape_of(c);
  ASSERT_GT(s.out_h, 0);
  ASSERT_GT(s.out_w, 0);
  const size_t out_n = size_t(s.batch) * s.channels * s.out_h * s.out_w;
  auto x = random_floats(size_t(s.batch) * s.channels * s.in_h * s.in_w, 7, -2, 2);
  x[3] = -0.0f;
  ThreadPool pool(2);
  for (const bool avg : {false, true}) {
    SCOPED_TRACE(avg ? "avg" : "max");
    std::vector<float> ref(out_n, 3.0f), opt(out_n, 4.0f), one(out_n, 5.0f);
    if (avg) {
      ops::avg_pool2d_reference(s, x.data(), ref.data());
      ops::avg_pool2d_optimized(s, x.data(), opt.data(), &pool);
      ops::avg_pool2d_optimized(s, x.data(), one.data(), nullptr);
      EXPECT_BITWISE_EQ(avg_definition(s, c.w, x), ref);
    } else {
      ops::max_pool2d_reference(s, x.data(), ref.data());
      ops::max_pool2d_optimized(s, x.data(), opt.data(), &pool);
      ops::max_pool2d_optimized(s, x.data(), one.data(), nullptr);
      EXPECT_BITWISE_EQ(max_definition(s, c.w, x), ref);
    }
    EXPECT_BITWISE_EQ(ref, opt);
    EXPECT_BITWISE_EQ(ref, one);
  }
}

INSTANTIATE_TEST_SUITE_P(AnyWindow, PoolWindows, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<PoolCase>& info) { return std::string(info.param.name); });

TEST(PoolWindows, DilatedMaxPool) {
  const PoolCase c{"dilated", 1, 2, 9, 8, win(3, 2, 1, 2, 2, 3, 2, 1, 2, 1), true, true};
  const ops::Pool2dShape s = shape_of(c);
  const auto x = random_floats(size_t(2) * 9 * 8, 8);
  std::vector<float> ref(size_t(2) * s.out_h * s.out_w), opt(ref.size());
  ops::max_pool2d_reference(s, x.data(), ref.data());
  ops::max_pool2d_optimized(s, x.data(), opt.data(), nullptr);
  EXPECT_BITWISE_EQ(max_definition(s, c.w, x), ref);
  EXPECT_BITWISE_EQ(ref, opt);
  // Average pooling takes no dilation.
  EXPECT_THROW(ops::validate_avg_pool2d(s), UsageError);
}

TEST(PoolWindows, HandValuesOfPyTorchsAvgPoolWithCeilMode) {
  // torch.nn.functional.avg_pool2d(torch.ones(1, 1, 4, 4), 3, 2, 1, ceil_mode=True,
  // count_include_pad=...) on a plane of ones: 3x3 outputs. The last window starts at
  // row 3 and is cut at 4 + 1 (the padded input): 2 rows, only 1 of them in the input.
  const std::vector<float> x(16, 1.0f);
  ops::Pool2dShape s = ops::pool2d_shape(1, 1, 4, 4, 3, 3, Window2d::square(3, 2, 1), true, true);
  std::vector<float> y(9);
  ops::avg_pool2d_reference(s, x.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{4 / 9.f, 6 / 9.f, 2 / 6.f, 6 / 9.f, 1.0f, 3 / 6.f, 2 / 6.f, 3 / 6.f, 1 / 4.f}));
  s.count_include_pad = false;
  ops::avg_pool2d_reference(s, x.data(), y.data());
  EXPECT_EQ(y, std::vector<float>(9, 1.0f));
  // ceil mode drops a last window that would start in the end padding: over 5 cells with
  // pads (0, 1), k2 s2 has 3 windows (the third starts at 4, inside); over 4 cells the
  // third would start at 4 = in + pad_begin, in the padding.
  EXPECT_EQ(window_output_size(5, 2, 2, 1, 0, 1, true), 3);
  EXPECT_EQ(window_output_size(4, 2, 2, 1, 0, 1, true), 2);  // would start at 4 = in + 0
  EXPECT_EQ(window_output_size(4, 2, 2, 1, 0, 1, false), 2);
}

TEST(PoolWindows, EmptyOutputsAndBadPadsAreErrors) {
  // A pad as large as the kernel.
  ops::Pool2dShape s = ops::pool2d_shape(1, 1, 6, 6, 6, 7, Window2d{3, 3, 1, 1, 1, 1, 1, 3, 1, 0}, false, true);
  try {
    ops::validate_max_pool2d(s);
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("must be smaller than the kernel 3x3"), std::string::npos) << e.what();
  }
  // A window larger than the padded input.
  s = ops::pool2d_shape(1, 1, 2, 6, 1, 1, Window2d{4, 2, 1, 1, 1, 1, 1, 0, 0, 0}, false, true);
  EXPECT_THROW(ops::validate_avg_pool2d(s), UsageError);
  EXPECT_EQ(window_output_size(2, 4, 1, 1, 1, 0, false), 0);
}

TEST(GlobalMaxPool, MaxOfEveryPlaneWithNaNWinning) {
  const ops::GlobalPoolShape s{2, 5, 3, 7};
  auto x = random_floats(size_t(2) * 5 * 21, 9, -3, 3);
  x[22] = std::numeric_limits<float>::quiet_NaN();             // plane 1
  for (int i = 0; i < 21; ++i) x[size_t(2 * 21 + i)] = -kInf;  // plane 2: all -inf
  std::vector<float> ref(10), opt(10), one(10);
  ops::global_max_pool_reference(s, x.data(), ref.data());
  ThreadPool pool(2);
  ops::global_max_pool_optimized(s, x.data(), opt.data(), &pool);
  ops::global_max_pool_optimized(s, x.data(), one.data(), nullptr);
  EXPECT_BITWISE_EQ(ref, opt);
  EXPECT_BITWISE_EQ(ref, one);
  EXPECT_TRUE(std::isnan(ref[1]));
  EXPECT_EQ(ref[2], -kInf);
  float m = -kInf;
  for (int i = 0; i < 21; ++i) m = std::max(m, x[size_t(i)]);
  EXPECT_EQ(ref[0], m);
  EXPECT_THROW(ops::validate_global_max_pool({1, 0, 2, 2}), UsageError);
}

}  // namespace
}  // namespace faultbench
