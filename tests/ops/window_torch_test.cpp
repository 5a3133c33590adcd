// conv2d and pooling with ONNX windows against PyTorch (tools/torch_window_oracle.py under
// /usr/bin/python3; skipped without torch): torch sums a conv in its own order, so conv
// outputs agree to a tolerance; pools compare the same cells in the same order: max bit
// for bit, average too except for the last ulp of a division torch may vectorize.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "faultbench/ops/conv2d.h"
#include "faultbench/ops/pool.h"
#include "ops/op_test_util.h"
#include "test_support.h"

namespace faultbench {
namespace {

namespace fs = std::filesystem;
using namespace faultbench::testing;

bool python_has_torch() { return std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0; }

void write(const fs::path& p, const std::vector<float>& v) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * sizeof(float)));
}

std::vector<float> read(const fs::path& p, size_t n) {
  std::vector<float> v(n);
  std::ifstream in(p, std::ios::binary);
  in.read(reinterpret_cast<char*>(v.data()), std::streamsize(n * sizeof(float)));
  EXPECT_TRUE(in) << p << " too short";
  return v;
}

struct Case {
  std::string op;  // conv, max, avg
  int n, c, h, w, oc, groups;
  Window2d win;
  bool ceil_mode, count_include_pad;
  std::vector<float> x, weight, ours;
};

std::string spec(const Case& k) {
  auto j = [](std::initializer_list<int> v) {
    std::string s;
    for (int i : v) s += " " + std::to_string(i);
    return s;
  };
  const Window2d& w = k.win;
  if (k.op == "conv")
    return "conv" + j({k.n, k.c, k.h, k.w, k.oc, k.groups, w.kernel_h, w.kernel_w, w.stride_h, w.stride_w, w.dilation_h,
                       w.dilation_w, w.pad_top, w.pad_left, w.pad_bottom, w.pad_right});
  if (k.op == "max")
    return "max" + j({k.n, k.c, k.h, k.w, w.kernel_h, w.kernel_w, w.stride_h, w.stride_w, w.dilation_h, w.dilation_w,
                      w.pad_top, w.pad_left, int(k.ceil_mode)});
  return "avg" + j({k.n, k.c, k.h, k.w, w.kernel_h, w.kernel_w, w.stride_h, w.stride_w, w.pad_top, w.pad_left,
                    int(k.ceil_mode), int(k.count_include_pad)});
}

void compute(Case& k, uint32_t seed) {
  const Window2d& w = k.win;
  const int oh = window_output_size(k.h, w.kernel_h, w.stride_h, w.dilation_h, w.pad_top, w.pad_bottom, k.ceil_mode);
  const int ow = window_output_size(k.w, w.kernel_w, w.stride_w, w.dilation_w, w.pad_left, w.pad_right, k.ceil_mode);
  k.x = random_floats(size_t(k.n) * k.c * k.h * k.w, seed, -2, 2);
  if (k.op == "conv") {
    const auto s = ops::conv2d_shape(k.n, k.c, k.h, k.w, k.oc, oh, ow, w, k.groups);
    k.weight = random_floats(size_t(k.oc) * (k.c / k.groups) * w.kernel_h * w.kernel_w, seed + 1);
    k.ours.resize(size_t(k.n) * k.oc * oh * ow);
    const auto pack = ops::conv2d_pack(s, k.weight.data());
    ops::conv2d_optimized(s, k.x.data(), pack, nullptr, k.ours.data(), nullptr);
    return;
  }
  const auto s = ops::pool2d_shape(k.n, k.c, k.h, k.w, oh, ow, w, k.ceil_mode, k.count_include_pad);
  k.ours.resize(size_t(k.n) * k.c * oh * ow);
  if (k.op == "max")
    ops::max_pool2d_optimized(s, k.x.data(), k.ours.data(), nullptr);
  else
    ops::avg_pool2d_optimized(s, k.x.data(), k.ours.data(), nullptr);
}

TEST(WindowsAgainstTorch, ConvAndPools) {
  if (!python_has_torch()) GTEST_SKIP() << "/usr/bin/python3 has no torch: skipping oracle";
  auto conv = [](int n, int c, int h, int w, int oc, int groups, Window2d win) {
    return Case{"conv", n, c, h, w, oc, groups, win, false, true, {}, {}, {}};
  };
  auto pool = [](const char* op, int n, int c, int h, int w, Window2d win, bool ceil_mode, bool count_pad) {
    return Case{op, n, c, h, w, c, 1, win, ceil_mode, count_pad, {}, {}, {}};
  };
  // (torch's pools take symmetric pads of at most half the kernel.)
  std::vector<Case> cases = {
      conv(2, 6, 9, 8, 4, 1, {1, 3, 2, 1, 1, 1, 0, 1, 1, 0}),
      conv(1, 4, 10, 10, 8, 2, {5, 1, 1, 2, 2, 1, 4, 0, 4, 0}),
      conv(1, 5, 8, 8, 5, 5, {3, 3, 2, 2, 1, 1, 0, 0, 1, 1}),  // TensorFlow's SAME, depthwise
      conv(2, 8, 7, 7, 16, 1, {3, 3, 1, 1, 1, 1, 1, 1, 0, 0}),
      pool("max", 2, 3, 9, 8, Window2d::square(3, 2, 1), true, true),
      pool("max", 1, 2, 11, 10, {3, 2, 2, 1, 2, 3, 1, 1, 1, 1}, false, true),
      pool("avg", 2, 3, 8, 8, Window2d::square(3, 2, 1), true, false),
      pool("avg", 2, 3, 8, 7, {3, 2, 2, 2, 1, 1, 1, 1, 1, 1}, true, true),
      pool("avg", 1, 4, 9, 9, Window2d::square(2, 2, 0), true, true),
  };
  const fs::path dir = make_temp_dir("window_torch");
  for (size_t i = 0; i < cases.size(); ++i) {
    compute(cases[i], uint32_t(10 + 3 * i));
    const std::string base = (dir / ("case_" + std::to_string(i))).string();
    std::ofstream(base + ".txt") << spec(cases[i]) << "\n";
    write(base + ".x.f32", cases[i].x);
    if (!cases[i].weight.empty()) write(base + ".w.f32", cases[i].weight);
  }
  const std::string cmd = "/usr/bin/python3 " + (source_dir() / "tools" / "torch_window_oracle.py").string() + " " +
                          dir.string() + " " + std::to_string(cases.size());
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& k = cases[i];
    SCOPED_TRACE(spec(k));
    const auto torch = read(dir / ("case_" + std::to_string(i) + ".y.f32"), k.ours.size());
    if (k.op == "max") {
      EXPECT_BITWISE_EQ(torch, k.ours);
      continue;
    }
    float scale = 0.0f;
    for (float v : torch) scale = std::max(scale, std::fabs(v));
    const float tol = k.op == "conv" ? 1e-5f * scale : 1e-6f * scale;
    for (size_t j = 0; j < torch.size(); ++j) ASSERT_NEAR(k.ours[j], torch[j], tol) << "output " << j;
  }
}

}  // namespace
}  // namespace faultbench
