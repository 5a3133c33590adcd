// The int8 conv (ops/qconv.h) and the other int8 operators (ops/qelementwise.h): every
// optimized path, under every SIMD target this CPU runs, gives qconv_reference's bits, and
// the path that ran is the one expected (vpmaddubsw on ReLU outputs, vpmaddwd on signed
// inputs, VNNI where the CPU has it). The requantization's rounding and saturation rules.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "faultbench/ops/qconv.h"
#include "faultbench/ops/qelementwise.h"
#include "faultbench/ops/simd_target.h"
#include "faultbench/util/parallel.h"

namespace faultbench {
namespace {

using ops::QConvPath;

std::vector<float> codes(size_t n, uint32_t seed, int lo, int hi) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = float(d(rng));
  return v;
}

struct Case {
  const char* name;
  ops::Conv2dShape shape;
  bool x_unsigned;
  bool dequantize;
};

QConvPath expected_path(ops::SimdTarget t, bool x_unsigned) {
  switch (t) {
    case ops::SimdTarget::kAvx512:
      if (!x_unsigned) return QConvPath::Avx512Madd16;
      return ops::qconv_vnni_usable() ? QConvPath::Avx512Vnni : QConvPath::Avx512Maddubs;
    case ops::SimdTarget::kAvx2: return x_unsigned ? QConvPath::Avx2Maddubs : QConvPath::Avx2Madd16;
    default: return QConvPath::Scalar;
  }
}

TEST(QConv, EveryPathEqualsTheReferenceBitwise) {
  const Case cases[] = {
      {"image 3->16 3x3 pad 1", ops::conv2d_shape(3, 3, 9, 7, 16, 9, 7, Window2d::square(3, 1, 1), 1), false, false},
      {"relu 16->20 3x3 stride 2", ops::conv2d_shape(2, 16, 8, 8, 20, 4, 4, Window2d::square(3, 2, 1), 1), true, false},
      {"relu 64->17 3x3 (K = 576)", ops::conv2d_shape(1, 64, 5, 5, 17, 5, 5, Window2d::square(3, 1, 1), 1), true,
       false},
      {"grouped 8->8 groups 4", ops::conv2d_shape(2, 8, 6, 6, 8, 6, 6, Window2d::square(3, 1, 1), 4), true, false},
      {"depthwise signed", ops::conv2d_shape(1, 5, 6, 6, 5, 6, 6, Window2d::square(3, 1, 1), 5), false, false},
      {"rect dilated", ops::conv2d_shape(1, 6, 9, 8, 9, 7, 7, Window2d{3, 2, 1, 1, 2, 1, 1, 0, 1, 0}, 1), true, false},
      {"linear 70->10 dequantized", ops::conv2d_shape(5, 70, 1, 1, 10, 1, 1, Window2d{}, 1), true, true},
  };
  ThreadPool pool(2);
  int saturated = 0;
  for (const Case& c : cases) {
    const ops::Conv2dShape& s = c.shape;
    const Window2d w = s.window();
    const int64_t wn = int64_t(s.out_c) * (s.in_c / s.groups) * w.kernel_h * w.kernel_w;
    // Weights over the whole int8 range (-128: a flipped sign bit); inputs at the bounds of
    // their range often, so that vpmaddubsw's pair sums come near int16's limit.
    std::vector<int8_t> weight(static_cast<size_t>(wn));
    const std::vector<float> wc = codes(size_t(wn), 3, -128, 127);
    for (size_t i = 0; i < weight.size(); ++i) weight[i] = int8_t(i % 5 == 0 ? -128 : int(wc[i]));
    std::vector<float> x = codes(size_t(s.batch) * s.in_c * s.in_h * s.in_w, 5, c.x_unsigned ? 0 : -128, 127);
    for (size_t i = 0; i < x.size(); i += 3) x[i] = c.x_unsigned ? 127.0f : -128.0f;
    std::vector<int32_t> bias(size_t(s.out_c));
    for (int i = 0; i < s.out_c; ++i) bias[size_t(i)] = (i - 3) * 9001;
    std::vector<float> mult(size_t(s.out_c));
    for (int i = 0; i < s.out_c; ++i) mult[size_t(i)] = 0.0007f * float(i + 1);
    const ops::QRequant r{bias.data(), mult.data(), c.x_unsigned, c.dequantize};
    const size_t yn = size_t(s.batch) * s.out_c * s.out_h * s.out_w;
    std::vector<float> ref(yn), got(yn);
    ops::qconv_reference(s, x.data(), weight.data(), r, ref.data());
    for (float v : ref) saturated += !c.dequantize && (v == 127.0f || v == -128.0f);
    for (ops::SimdTarget t : ops::simd_targets_supported()) {
      ops::set_simd_target(t);
      for (bool vnni : {true, false}) {
        ops::qconv_allow_vnni(vnni);
        const ops::QConvPacked pack = ops::qconv_pack(s, weight.data());
        for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
          std::fill(got.begin(), got.end(), -1.0f);
          const QConvPath path = ops::qconv_optimized(s, x.data(), pack, r, got.data(), p, c.x_unsigned);
          EXPECT_EQ(path, expected_path(t, c.x_unsigned)) << c.name << " " << ops::simd_target_name(t);
          EXPECT_EQ(path, ops::choose_qconv_path(c.x_unsigned));
          ASSERT_EQ(0, std::memcmp(ref.data(), got.data(), yn * sizeof(float)))
              << c.name << ": " << ops::qconv_path_name(path) << " differs from the reference";
        }
      }
      ops::qconv_allow_vnni(true);
    }
    ops::reset_simd_target();
  }
  EXPECT_GT(saturated, 0) << "no output reaches the saturation";
}

TEST(QConv, PackSetEqualsAFreshPack) {
  const ops::Conv2dShape s = ops::conv2d_shape(1, 6, 5, 5, 12, 5, 5, Window2d::square(3, 1, 1), 2);
  const int64_t wn = 12 * 3 * 9;
  std::vector<int8_t> w(static_cast<size_t>(wn));
  for (int64_t i = 0; i < wn; ++i) w[size_t(i)] = int8_t(i * 37 % 255 - 127);
  ops::QConvPacked pack = ops::qconv_pack(s, w.data());
  w[77] = int8_t(w[77] ^ 0x80);  // a sign-bit flip, as a fault
  ops::qconv_pack_set(pack, 77, w[77]);
  const ops::QConvPacked fresh = ops::qconv_pack(s, w.data());
  EXPECT_EQ(pack.quads, fresh.quads);
  EXPECT_EQ(pack.pairs, fresh.pairs);
}

TEST(QRequant, RoundsHalfToEvenThenSaturates) {
  const float m[] = {0.5f};
  const ops::QRequant r{nullptr, m, false, false};
  EXPECT_EQ(ops::qrequant_one(r, 0, 5), 2.0f);    // 2.5 -> 2
  EXPECT_EQ(ops::qrequant_one(r, 0, 7), 4.0f);    // 3.5 -> 4
  EXPECT_EQ(ops::qrequant_one(r, 0, -5), -2.0f);  // -2.5 -> -2
  EXPECT_EQ(ops::qrequant_one(r, 0, 400), 127.0f);
  EXPECT_EQ(ops::qrequant_one(r, 0, -400), -128.0f);
  const float z = ops::qrequant_one(r, 0, -1);  // -0.5 -> 0, stored as +0.0
  EXPECT_EQ(std::memcmp(&z, "\0\0\0\0", 4), 0);
  const ops::QRequant relu{nullptr, m, true, false};
  EXPECT_EQ(ops::qrequant_one(relu, 0, -9), 0.0f);
  const int32_t bias[] = {3};
  const ops::QRequant deq{bias, m, false, true};
  EXPECT_EQ(ops::qrequant_one(deq, 0, 4), 3.5f);  // (4 + 3) x 0.5, not rounded
}

TEST(QElementwise, QuantizeAddAndPoolFollowTheirFormulas) {
  float y[4];
  const float x[] = {0.74f, -1.26f, 100.0f, -0.1f};
  ops::quantize_linear(4, x, 0.5f, y, nullptr);
  EXPECT_EQ(y[0], 1.0f);    // 1.48 -> 1
  EXPECT_EQ(y[1], -3.0f);   // -2.52 -> -3
  EXPECT_EQ(y[2], 127.0f);  // saturated
  EXPECT_EQ(y[3], 0.0f);
  const float a[] = {3, 5, -128, 127}, b[] = {1, 0, -128, 127};
  ops::qadd(4, a, b, 0.5f, 0.5f, false, y, nullptr);
  EXPECT_EQ(y[0], 2.0f);  // 1.5 + 0.5
  EXPECT_EQ(y[1], 2.0f);  // 2.5 -> 2
  EXPECT_EQ(y[2], -128.0f);
  EXPECT_EQ(y[3], 127.0f);
  ops::qadd(4, a, b, 0.5f, 0.5f, true, y, nullptr);
  EXPECT_EQ(y[2], 0.0f);
  const float p[] = {1, 2, 3, 4, 5, 6, 7, 9};  // 2 channels of 2x2
  ops::QPoolShape s{1, 2, 2, 2, 1, 1, 2, 2, 1, 1};
  ops::qavg_pool(s, p, 0.25f, y, nullptr);
  EXPECT_EQ(y[0], 2.0f);  // 10 / 4 = 2.5 -> 2
  EXPECT_EQ(y[1], 7.0f);  // 27 / 4 = 6.75 -> 7
}

}  // namespace
}  // namespace faultbench
