// The operators of imported graphs (ops/unary.h, binary.h, movement.h, softmax.h, and the
// Gemm variants of linear.h): hand-computed values, optimized (pool-split) == reference
// bit for bit, and the shape errors. PyTorch's own values: onnx_ops_torch_test.cpp.
#include <bit>
#include <cmath>
#include <limits>

#include "faultbench/error.h"
#include "faultbench/ops/binary.h"
#include "faultbench/ops/linear.h"
#include "faultbench/ops/movement.h"
#include "faultbench/ops/softmax.h"
#include "faultbench/ops/unary.h"
#include "faultbench/util/parallel.h"
#include "ops/op_test_util.h"

namespace faultbench {
namespace {

using namespace faultbench::testing;
using ops::UnaryFn;
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

uint32_t bits(float f) { return std::bit_cast<uint32_t>(f); }

float unary(UnaryFn fn, float x, float alpha = 0, float beta = 0, float lo = -kInf, float hi = kInf) {
  return ops::unary_apply({fn, alpha, beta, lo, hi}, x);
}

// Runs `what` with the reference and with the optimized kernel on 1 and 2 threads, and
// checks that the three outputs agree bit for bit.
template <class Ref, class Opt>
std::vector<float> same_three_ways(size_t out_size, Ref ref, Opt opt) {
  std::vector<float> a(out_size, 7.0f), b(out_size, 8.0f), c(out_size, 9.0f);
  ref(a.data());
  opt(b.data(), nullptr);
  ThreadPool pool(2);
  opt(c.data(), &pool);
  EXPECT_BITWISE_EQ(a, b);
  EXPECT_BITWISE_EQ(a, c);
  return a;
}

TEST(Unary, HandComputedValues) {
  EXPECT_EQ(unary(UnaryFn::LeakyRelu, 2.0f, 0.1f), 2.0f);
  EXPECT_EQ(unary(UnaryFn::LeakyRelu, -2.0f, 0.1f), -2.0f * 0.1f);
  EXPECT_EQ(bits(unary(UnaryFn::LeakyRelu, -0.0f, 0.1f)), bits(-0.0f));
  EXPECT_TRUE(std::isnan(unary(UnaryFn::LeakyRelu, kNaN, 0.1f)));
  // Clip as torch.clamp: -0 passes, NaN passes, lo > hi gives hi.
  EXPECT_EQ(unary(UnaryFn::Clip, 7.0f, 0, 0, 0.0f, 6.0f), 6.0f);
  EXPECT_EQ(unary(UnaryFn::Clip, -7.0f, 0, 0, 0.0f, 6.0f), 0.0f);
  EXPECT_EQ(bits(unary(UnaryFn::Clip, -0.0f, 0, 0, 0.0f, 6.0f)), bits(-0.0f));
  EXPECT_TRUE(std::isnan(unary(UnaryFn::Clip, kNaN, 0, 0, 0.0f, 6.0f)));
  EXPECT_EQ(unary(UnaryFn::Clip, 1.0f, 0, 0, 3.0f, 2.0f), 2.0f);
  EXPECT_EQ(unary(UnaryFn::Clip, -kInf), -kInf);  // absent bounds
  EXPECT_EQ(unary(UnaryFn::Sigmoid, 0.0f), 0.5f);
  EXPECT_EQ(unary(UnaryFn::Sigmoid, -kInf), 0.0f);
  EXPECT_EQ(unary(UnaryFn::Sigmoid, kInf), 1.0f);
  EXPECT_EQ(unary(UnaryFn::Sigmoid, 2.0f), 1.0f / (1.0f + std::exp(-2.0f)));
  EXPECT_NEAR(unary(UnaryFn::Sigmoid, 1.0f), 0.7310585786, 1e-7);
  // HardSigmoid: the multiply is rounded before the add.
  EXPECT_EQ(unary(UnaryFn::HardSigmoid, 1.0f, 0.2f, 0.5f), 0.2f + 0.5f);
  EXPECT_EQ(unary(UnaryFn::HardSigmoid, 3.0f, 0.2f, 0.5f), 1.0f);
  EXPECT_EQ(unary(UnaryFn::HardSigmoid, -3.0f, 0.2f, 0.5f), 0.0f);
  const float x = 0.1f;
  EXPECT_EQ(bits(unary(UnaryFn::HardSigmoid, x, 1.0f / 6, 0.5f)), bits(float(1.0f / 6) * x + 0.5f));
  // HardSwish: x * relu6(x + 3), then a true division by 6 (not a multiply by 1/6).
  EXPECT_EQ(unary(UnaryFn::HardSwish, 4.0f), 4.0f);
  EXPECT_EQ(unary(UnaryFn::HardSwish, -4.0f), -0.0f);
  EXPECT_EQ(unary(UnaryFn::HardSwish, 1.0f), 4.0f / 6.0f);
  int differs_from_reciprocal = 0;
  for (float v = -3.0f; v < 3.0f; v += 0.0137f) {
    const float want = v * std::min(std::max(v + 3.0f, 0.0f), 6.0f) / 6.0f;
    EXPECT_EQ(bits(unary(UnaryFn::HardSwish, v)), bits(want)) << v;
    differs_from_reciprocal += bits(want) != bits(v * std::min(std::max(v + 3.0f, 0.0f), 6.0f) * (1.0f / 6.0f));
  }
  EXPECT_GT(differs_from_reciprocal, 0) << "the sweep does not tell a division from a reciprocal multiply";
  EXPECT_EQ(unary(UnaryFn::Tanh, 0.0f), 0.0f);
  EXPECT_EQ(unary(UnaryFn::Tanh, kInf), 1.0f);
  EXPECT_NEAR(unary(UnaryFn::Tanh, 0.5f), 0.46211715726, 1e-7);
}

TEST(Unary, OptimizedEqualsReferenceBitwise) {
  auto x = random_floats(10000, 3, -8.0f, 8.0f);
  x[5] = kNaN, x[6] = kInf, x[7] = -kInf, x[8] = -0.0f;
  for (UnaryFn fn :
       {UnaryFn::LeakyRelu, UnaryFn::Clip, UnaryFn::Sigmoid, UnaryFn::HardSigmoid, UnaryFn::HardSwish, UnaryFn::Tanh}) {
    const ops::UnaryParams p{fn, 0.2f, 0.5f, -1.0f, 6.0f};
    const auto y = same_three_ways(
        x.size(), [&](float* out) { ops::unary_reference(p, int64_t(x.size()), x.data(), out); },
        [&](float* out, ThreadPool* pool) { ops::unary_optimized(p, int64_t(x.size()), x.data(), out, pool); });
    for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(bits(y[i]), bits(ops::unary_apply(p, x[i]))) << i;
  }
}

TEST(Unary, RejectsNaNParameters) {
  try {
    ops::validate_unary({UnaryFn::Clip, 0, 0, kNaN, 6.0f});
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "unary (Clip): a bound is NaN");
  }
  EXPECT_THROW(ops::validate_unary({UnaryFn::LeakyRelu, kNaN}), UsageError);
  EXPECT_THROW(ops::validate_unary({UnaryFn::HardSigmoid, 0.2f, kNaN}), UsageError);
}

TEST(Binary, BroadcastsPerAxisAndKeepsOperandOrder) {
  // a [2,2,3] batched, b [2,1,1] constant (per-channel), y = a - b and a / b.
  const std::vector<float> a{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  const std::vector<float> b{1, 4};
  ops::BinaryShape s{1, 2, 2, 3, {2, 2, 3, true}, {2, 1, 1, false}};
  std::vector<float> y(12);
  ops::binary_reference(ops::BinaryFn::Sub, s, a.data(), b.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7, 8}));
  ops::binary_reference(ops::BinaryFn::Div, s, a.data(), b.data(), y.data());
  EXPECT_EQ(y[6], 7.0f / 4.0f);
  // Constant first: 1 / a, with b [1,1,1].
  const float one = 1.0f;
  ops::BinaryShape r{1, 2, 2, 3, {1, 1, 1, false}, {2, 2, 3, true}};
  ops::binary_reference(ops::BinaryFn::Div, r, &one, a.data(), y.data());
  EXPECT_EQ(bits(y[2]), bits(1.0f / 3.0f));  // a true division: 1/3 correctly rounded
  // Both sides broadcast: [1,2,1] * [2,1,3] -> [2,2,3].
  const std::vector<float> col{2, 3}, row{1, 10, 100, 1000, 10000, 100000};
  ops::BinaryShape both{1, 2, 2, 3, {1, 2, 1, true}, {2, 1, 3, true}};
  ops::binary_reference(ops::BinaryFn::Mul, both, col.data(), row.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{2, 20, 200, 3, 30, 300, 2000, 20000, 200000, 3000, 30000, 300000}));
}

TEST(Binary, OptimizedEqualsReferenceBitwiseOnEveryBroadcastForm) {
  const int B = 3, C = 5, H = 6, W = 7;
  const auto a = random_floats(size_t(B * C * H * W), 5);
  const auto b = random_floats(size_t(B * C * H * W), 6);
  const ops::BroadcastOperand forms[] = {{C, H, W, true},  {C, 1, 1, true}, {C, 1, 1, false}, {1, H, W, true},
                                         {1, 1, 1, false}, {C, H, 1, true}, {1, 1, W, false}};
  for (ops::BinaryFn fn : {ops::BinaryFn::Add, ops::BinaryFn::Sub, ops::BinaryFn::Mul, ops::BinaryFn::Div})
    for (const auto& fa : forms)
      for (const auto& fb : {forms[0], forms[1], forms[4], forms[6]}) {
        const ops::BinaryShape s{B, C, H, W, fa, fb};
        const auto y = same_three_ways(
            size_t(B * C * H * W), [&](float* out) { ops::binary_reference(fn, s, a.data(), b.data(), out); },
            [&](float* out, ThreadPool* pool) { ops::binary_optimized(fn, s, a.data(), b.data(), out, pool); });
        // One element by the definition.
        const int n = 2, c = 3, h = 4, w = 5;
        auto at = [&](const ops::BroadcastOperand& o, const std::vector<float>& v) {
          const int64_t img = o.batched ? int64_t(n) * o.c * o.h * o.w : 0;
          return v[size_t(img + (int64_t(o.c == 1 ? 0 : c) * o.h + (o.h == 1 ? 0 : h)) * o.w + (o.w == 1 ? 0 : w))];
        };
        const float x = at(fa, a), z = at(fb, b);
        const float want = fn == ops::BinaryFn::Add   ? x + z
                           : fn == ops::BinaryFn::Sub ? x - z
                           : fn == ops::BinaryFn::Mul ? x * z
                                                      : x / z;
        ASSERT_EQ(bits(y[size_t(((n * C + c) * H + h) * W + w)]), bits(want));
      }
}

TEST(Binary, ShapeErrorNamesTheOperandAndRule) {
  try {
    ops::validate_binary(ops::BinaryFn::Mul, {1, 4, 2, 2, {4, 2, 2, true}, {3, 1, 1, false}});
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(),
                 "binary (Mul): second operand [3, 1, 1] does not broadcast to [4, 2, 2] (each axis must equal the "
                 "output's or be 1)");
  }
}

TEST(Movement, PadSliceResizeTransposeByHand) {
  const std::vector<float> x{1, 2, 3, 4, 5, 6};  // [1, 2, 3]: rows 1 2 3 / 4 5 6
  std::vector<float> y;
  // Pad h 1/0, w 0/1, c 1/0 with 9.
  ops::PadShape p{1, 1, 2, 3, 1, 0, 1, 0, 0, 1, 9.0f};
  y.assign(size_t(p.out_c() * p.out_h() * p.out_w()), 0);
  ops::pad_reference(p, x.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,  // padding channel
                                   9, 9, 9, 9, 1, 2, 3, 9, 4, 5, 6, 9}));
  // Slice w 0:3:2, h 1:2.
  ops::SliceShape s{1, 1, 2, 3, {0, 1, 1}, {1, 2, 1}, {0, 3, 2}};
  y.assign(2, 0);
  ops::slice_reference(s, x.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{4, 6}));
  // Resize 2 x 1.
  ops::ResizeShape r{1, 1, 2, 3, 2, 1};
  y.assign(12, 0);
  ops::resize_reference(r, x.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6}));
  // Transpose (0, 2, 1): [1,3,2]; (2, 0, 1) of [1,2,3]: [3,1,2] (w becomes the channel).
  ops::TransposeShape t{1, 1, 2, 3, {0, 2, 1}};
  y.assign(6, 0);
  ops::transpose_reference(t, x.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{1, 4, 2, 5, 3, 6}));
  t.perm = {2, 0, 1};
  EXPECT_EQ(t.out(), (std::array<int, 3>{3, 1, 2}));
  ops::transpose_reference(t, x.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{1, 4, 2, 5, 3, 6}));
  t = {1, 2, 1, 3, {1, 2, 0}};  // [2,1,3] -> [1,3,2]: y[0, j, c] = x[c, 0, j]
  ops::transpose_reference(t, x.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(Movement, OptimizedEqualsReferenceBitwise) {
  const int B = 3, C = 4, H = 7, W = 5;
  const auto x = random_floats(size_t(B * C * H * W), 9);
  const ops::PadShape p{B, C, H, W, 2, 1, 0, 3, 1, 1, -0.5f};
  same_three_ways(
      size_t(B * p.out_c() * p.out_h() * p.out_w()), [&](float* y) { ops::pad_reference(p, x.data(), y); },
      [&](float* y, ThreadPool* pool) { ops::pad_optimized(p, x.data(), y, pool); });
  const ops::SliceShape s{B, C, H, W, {1, 4, 2}, {0, 7, 2}, {1, 5, 3}};
  same_three_ways(
      size_t(B * s.rc.size() * s.rh.size() * s.rw.size()), [&](float* y) { ops::slice_reference(s, x.data(), y); },
      [&](float* y, ThreadPool* pool) { ops::slice_optimized(s, x.data(), y, pool); });
  const ops::ResizeShape r{B, C, H, W, 2, 3};
  same_three_ways(
      size_t(B * C * H * 2 * W * 3), [&](float* y) { ops::resize_reference(r, x.data(), y); },
      [&](float* y, ThreadPool* pool) { ops::resize_optimized(r, x.data(), y, pool); });
  for (std::array<int, 3> perm : {std::array<int, 3>{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}) {
    const ops::TransposeShape t{B, C, H, W, perm};
    const auto y = same_three_ways(
        x.size(), [&](float* out) { ops::transpose_reference(t, x.data(), out); },
        [&](float* out, ThreadPool* pool) { ops::transpose_optimized(t, x.data(), out, pool); });
    // y[n, i0, i1, i2] = x[n, (c,h,w) with axis perm[k] = i_k]
    const auto o = t.out();
    const int n = 2, i0 = o[0] - 1, i1 = o[1] / 2, i2 = o[2] - 1;
    int idx[3];
    idx[perm[0]] = i0, idx[perm[1]] = i1, idx[perm[2]] = i2;
    EXPECT_EQ(y[size_t(((n * o[0] + i0) * o[1] + i1) * o[2] + i2)],
              x[size_t(((n * C + idx[0]) * H + idx[1]) * W + idx[2])]);
  }
}

TEST(Movement, ShapeErrors) {
  auto message = [](auto fn) -> std::string {
    try {
      fn();
    } catch (const UsageError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(message([] {
              ops::validate_pad({1, 1, 2, 2, 0, 0, -1, 0, 0, 0, 0.0f});
            }),
            "pad: pads must be >= 0 (cropping is a slice), got c 0/0, h -1/0, w 0/0");
  EXPECT_EQ(message([] {
              ops::validate_slice({1, 3, 4, 4, {0, 3, 1}, {0, 5, 1}, {0, 4, 1}});
            }),
            "slice: axis h: start 0, end 5, step 1 must satisfy 0 <= start < end <= 4 and step >= 1");
  EXPECT_EQ(message([] {
              ops::validate_slice({1, 3, 4, 4, {0, 3, 0}, {0, 4, 1}, {0, 4, 1}});
            }),
            "slice: axis c: start 0, end 3, step 0 must satisfy 0 <= start < end <= 3 and step >= 1");
  EXPECT_EQ(message([] {
              ops::validate_resize({1, 3, 4, 4, 0, 2});
            }),
            "resize: scales must be integers in [1, 1024] (nearest upsampling), got 0 x 2");
  EXPECT_EQ(message([] {
              ops::validate_transpose({1, 3, 4, 4, {0, 0, 2}});
            }),
            "transpose: perm (0, 0, 2) is not a permutation of the (c, h, w) axes (0, 1, 2)");
  EXPECT_EQ(message([] { ops::validate_softmax({1, 0}); }), "softmax: channels must be positive, got 0");
}

TEST(Softmax, MaxSubtractedFormAndSpecialValues) {
  const std::vector<float> x{1.0f, 2.0f, 3.0f, 1000.0f, 1000.0f, 0.0f};  // two images of 3
  std::vector<float> y(6);
  ops::softmax_reference({2, 3}, x.data(), y.data());
  const float e0 = std::exp(1.0f - 3.0f), e1 = std::exp(2.0f - 3.0f), e2 = 1.0f;
  const float r = 1.0f / (e0 + e1 + e2);
  EXPECT_EQ(bits(y[0]), bits(e0 * r));
  EXPECT_EQ(bits(y[2]), bits(e2 * r));
  EXPECT_EQ(y[3], 0.5f);  // no overflow: 1000 - 1000
  EXPECT_EQ(y[5], 0.0f);
  const std::vector<float> nan{1.0f, kNaN, 0.0f};
  ops::softmax_reference({1, 3}, nan.data(), y.data());
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(std::isnan(y[size_t(i)]));
  const auto big = random_floats(7 * 100, 4, -20.0f, 20.0f);
  same_three_ways(
      big.size(),
      [&](float* out) {
        ops::softmax_reference({7, 100}, big.data(), out);
      },
      [&](float* out, ThreadPool* pool) {
        ops::softmax_optimized({7, 100}, big.data(), out, pool);
      });
}

TEST(Linear, TransposedWeightsAlphaBetaAndNoBias) {
  const ops::LinearShape s{3, 5, 4};
  const auto x = random_floats(15, 1), w = random_floats(20, 2), b = random_floats(4, 3);
  std::vector<float> wt(20);  // [in, out]
  for (int o = 0; o < 4; ++o)
    for (int i = 0; i < 5; ++i) wt[size_t(i * 4 + o)] = w[size_t(o * 5 + i)];
  ops::LinearShape st = s;
  st.weight_transposed = true;
  std::vector<float> want(12), ref(12), opt(12);
  ops::linear_reference(s, x.data(), w.data(), b.data(), want.data());
  ops::linear_reference(st, x.data(), wt.data(), b.data(), ref.data());
  ops::linear_optimized(st, x.data(), ops::linear_pack(st, wt.data()), b.data(), opt.data(), nullptr);
  EXPECT_BITWISE_EQ(want, ref);
  EXPECT_BITWISE_EQ(want, opt);
  // Patching a packed weight by its stored ([in, out]) offset equals repacking.
  auto pack = ops::linear_pack(st, wt.data());
  wt[7] = 3.5f;  // i = 1, o = 3
  ops::linear_pack_set(pack, 7, 3.5f);
  const auto repacked = ops::linear_pack(st, wt.data());
  EXPECT_EQ(0, std::memcmp(pack.data.data(), repacked.data.data(), repacked.data.size() * sizeof(float)));
  // Gemm: alpha * acc + beta * bias, each product rounded.
  std::vector<float> acc(12), y(12);
  ops::linear_reference(s, x.data(), w.data(), nullptr, acc.data());
  y = acc;
  ops::linear_scale(s, 0.5f, 3.0f, b.data(), y.data());
  for (int n = 0; n < 3; ++n)
    for (int o = 0; o < 4; ++o) {
      const float a = 0.5f * acc[size_t(n * 4 + o)], c = 3.0f * b[size_t(o)];
      EXPECT_EQ(bits(y[size_t(n * 4 + o)]), bits(a + c));
    }
  // alpha = beta = 1 is exactly the kernel's acc + bias.
  y = acc;
  ops::linear_scale(s, 1.0f, 1.0f, b.data(), y.data());
  EXPECT_BITWISE_EQ(y, want);
}

}  // namespace
}  // namespace faultbench
