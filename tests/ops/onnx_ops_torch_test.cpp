// The ONNX operators' reference kernels against PyTorch 1.13's CPU fp32 results
// (tools/torch_onnx_ops_oracle.py under /usr/bin/python3; skipped without torch). The
// pointwise activations that need no transcendental function, the broadcast arithmetic and
// the data movement match bit for bit; Sigmoid, Tanh and Softmax use libm's expf / tanhf
// where PyTorch's vector path uses SLEEF (docs/DETERMINISM.md): within a few ulps.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>

#include "faultbench/ops/binary.h"
#include "faultbench/ops/movement.h"
#include "faultbench/ops/softmax.h"
#include "faultbench/ops/unary.h"
#include "ops/op_test_util.h"
#include "test_support.h"

namespace faultbench {
namespace {

using ops::UnaryFn;
constexpr int N = 4, C = 8, H = 6, W = 10, K = 100;

bool python_has_torch() { return std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0; }

// Distance in units in the last place between two finite floats of the same sign (NaN
// pairs count 0, a NaN against a number counts as huge).
int64_t ulps(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0 : INT64_MAX;
  int32_t ia, ib;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  if (ia < 0) ia = INT32_MIN - ia;
  if (ib < 0) ib = INT32_MIN - ib;
  return std::abs(int64_t(ia) - int64_t(ib));
}

TEST(OnnxOpsTorch, ReferenceKernelsMatchPyTorch) {
  if (!python_has_torch()) GTEST_SKIP() << "/usr/bin/python3 has no torch: skipping oracle";
  std::vector<float> x = testing::random_floats(size_t(N * C * H * W), 21, -8.0f, 8.0f);
  // Special values: +-0, +-Inf, NaN, the HardSwish / ReLU6 kinks, large magnitudes.
  const float specials[] = {0.0f,
                            -0.0f,
                            std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(),
                            std::numeric_limits<float>::quiet_NaN(),
                            -3.0f,
                            3.0f,
                            6.0f,
                            -6.0f,
                            100.0f,
                            -100.0f,
                            1e-30f};
  for (size_t i = 0; i < std::size(specials); ++i) x[i * 37] = specials[i];
  const auto m = testing::random_floats(C, 22), s = testing::random_floats(C, 23, 0.1f, 2.0f),
             g = testing::random_floats(N * C, 24, 0.0f, 1.0f), v = testing::random_floats(N * K, 25, -20.0f, 20.0f);
  const auto dir = testing::make_temp_dir("onnx_ops_torch");
  {
    std::ofstream out(dir / "in.f32", std::ios::binary);
    for (const std::vector<float>* part : std::initializer_list<const std::vector<float>*>{&x, &m, &s, &g, &v})
      out.write(reinterpret_cast<const char*>(part->data()), std::streamsize(part->size() * 4));
  }
  const std::string cmd = "/usr/bin/python3 " +
                          (testing::source_dir() / "tools" / "torch_onnx_ops_oracle.py").string() + " " +
                          (dir / "in.f32").string() + " " + (dir / "out.f32").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(dir / "out.f32", std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> torch_out(bytes.size() / 4);
  std::memcpy(torch_out.data(), bytes.data(), torch_out.size() * 4);
  size_t at = 0;
  // Compares the next block of torch's output with ours; max_ulps 0: bit for bit, except
  // that any two NaNs agree (torch's vector max/min turn a NaN into all-ones bits; only
  // NaN-ness is part of the contract, docs/DETERMINISM.md).
  auto check = [&](const char* what, size_t count, int64_t max_ulps, const std::function<void(float*)>& ours) {
    ASSERT_LE(at + count, torch_out.size()) << what << ": oracle output too short";
    std::vector<float> y(count);
    ours(y.data());
    int64_t worst = 0;
    for (size_t i = 0; i < count; ++i) {
      const float t = torch_out[at + i];
      const bool same = std::memcmp(&t, &y[i], 4) == 0 || (std::isnan(t) && std::isnan(y[i]));
      const int64_t d = max_ulps == 0 ? (same ? 0 : INT64_MAX) : ulps(t, y[i]);
      if (d > max_ulps && worst <= max_ulps)
        ADD_FAILURE() << what << " element " << i << ": ours " << y[i] << ", torch " << t;
      worst = std::max(worst, d);
    }
    std::cout << what << ": max " << worst << " ulp from torch over " << count << " values\n";
    at += count;
  };
  const size_t n = x.size();
  auto unary = [&](const char* what, ops::UnaryParams p, int64_t max_ulps) {
    check(what, n, max_ulps, [&](float* y) { ops::unary_reference(p, int64_t(n), x.data(), y); });
  };
  unary("LeakyRelu(0.1)", {UnaryFn::LeakyRelu, 0.1f}, 0);
  unary("Clip(0, 6) = relu6", {UnaryFn::Clip, 0, 0, 0.0f, 6.0f}, 0);
  unary("Clip(-1, 1)", {UnaryFn::Clip, 0, 0, -1.0f, 1.0f}, 0);
  unary("HardSwish", {UnaryFn::HardSwish}, 0);
  unary("HardSigmoid(0.2, 0.5)", {UnaryFn::HardSigmoid, 0.2f, 0.5f}, 0);
  unary("Sigmoid", {UnaryFn::Sigmoid}, 4);
  unary("Tanh", {UnaryFn::Tanh}, 4);
  auto binary = [&](const char* what, ops::BinaryFn fn, ops::BroadcastOperand b, const std::vector<float>& bv) {
    check(what, n, 0, [&](float* y) {
      ops::binary_reference(fn, {N, C, H, W, {C, H, W, true}, b}, x.data(), bv.data(), y);
    });
  };
  binary("x - mean[C,1,1]", ops::BinaryFn::Sub, {C, 1, 1, false}, m);
  binary("x / std[C,1,1]", ops::BinaryFn::Div, {C, 1, 1, false}, s);
  binary("x * gate[N,C,1,1]", ops::BinaryFn::Mul, {C, 1, 1, true}, g);
  check("Softmax over 100", size_t(N * K), 8, [&](float* y) { ops::softmax_reference({N, K}, v.data(), y); });
  // F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, 2, 2)): Slice with step 2, then Pad on channels.
  std::vector<float> sliced(size_t(N * C * 3 * 5));
  ops::slice_reference({N, C, H, W, {0, C, 1}, {0, H, 2}, {0, W, 2}}, x.data(), sliced.data());
  check("Slice ::2 + Pad c 2/2", size_t(N * (C + 4) * 3 * 5), 0, [&](float* y) {
    ops::pad_reference({N, C, 3, 5, 2, 2, 0, 0, 0, 0, 0.0f}, sliced.data(), y);
  });
  check("Resize nearest x2", n * 4, 0, [&](float* y) { ops::resize_reference({N, C, H, W, 2, 2}, x.data(), y); });
  check("Transpose (c, w, h)", n, 0, [&](float* y) { ops::transpose_reference({N, C, H, W, {0, 2, 1}}, x.data(), y); });
  EXPECT_EQ(at, torch_out.size()) << "oracle output has extra values";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace faultbench
