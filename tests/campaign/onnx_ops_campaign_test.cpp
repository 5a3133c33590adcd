// The operators of imported graphs in the campaign engine: a small hand-built network that
// uses every one of them (normalization constants, an SE block with a Sigmoid gate, a
// spatial gate broadcast over channels, the CIFAR ResNets' Slice + Pad shortcut, HardSwish,
// Resize, Transposes, Reshape, Gemm-style Linears, a Softmax output) on random weights:
// fast mode == brute force on 1 and 2 threads. And the position bitmaps of
// fast/moved_positions.h against the kernels: every output position that changes is marked.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "campaign/fast/moved_positions.h"
#include "campaign/position_masks.h"
#include "campaign_fixtures.h"
#include "faultbench/campaign/engine.h"
#include "faultbench/graph/executor_campaign.h"
#include "ops/op_test_util.h"

namespace faultbench {
namespace {

using testing::random_faults;
using testing::random_images;
using testing::randomize_weights;

// A square conv (kernel, stride, padding): the one place that spells Conv2dAttrs, written
// for both its forms (square fields, or a Window2d after the conv/pool geometry work).
template <class A = Conv2dAttrs>
A conv(int in, int out, int kernel, int stride, int padding, bool bias) {
  A a;
  a.in_channels = in;
  a.out_channels = out;
  a.bias = bias;
  if constexpr (requires { a.window; }) {
    a.window = decltype(a.window)::square(kernel, stride, padding);
  } else {
    a.kernel = kernel;
    a.stride = stride;
    a.padding = padding;
  }
  return a;
}

Graph onnx_ops_net() {
  GraphBuilder b("onnx_ops_net", "cifar10", ValueShape{3, 16, 16}, 10);
  int x = b.binary_constant(BinaryFn::Sub, b.input(), "mean", {1, 3, 1, 1}, {3, 1, 1});
  x = b.binary_constant(BinaryFn::Div, x, "std", {1, 3, 1, 1}, {3, 1, 1});
  x = b.binary_constant(BinaryFn::Mul, x, "scale", {1}, {1, 1, 1}, true);
  x = b.conv2d("conv1", x, conv(3, 32, 3, 1, 1, false));
  x = b.batch_norm("bn1", x);
  const int h1 = b.unary(x, {UnaryFn::HardSwish});
  const int c2 = b.conv2d("conv2", h1, conv(32, 32, 3, 1, 1, false));
  const int l2 = b.unary(c2, {UnaryFn::LeakyRelu, 0.1f});
  // Squeeze-excitation: x * sigmoid(fc2(relu6(fc1(mean(x))))).
  int se = b.global_avg_pool(l2);
  se = b.conv2d("se.fc1", se, conv(32, 8, 1, 1, 0, true));
  se = b.unary(se, {UnaryFn::Clip, 0, 0, 0.0f, 6.0f});
  se = b.conv2d("se.fc2", se, conv(8, 32, 1, 1, 0, true));
  se = b.unary(se, {UnaryFn::Sigmoid});
  const int gated = b.binary(BinaryFn::Mul, l2, se);
  // A [1,H,W] spatial gate, first operand, broadcast over the channels.
  int sa = b.conv2d("sa", gated, conv(32, 1, 1, 1, 0, true));
  sa = b.unary(sa, {UnaryFn::HardSigmoid, 0.2f, 0.5f});
  const int att = b.binary(BinaryFn::Mul, sa, gated);
  // Shortcut F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, 8, 8)) against a stride-2 conv.
  int sc = b.slice(att, {{0, 32, 1}, {0, 16, 2}, {0, 16, 2}});
  sc = b.pad(sc, {8, 8, 0, 0, 0, 0, 0.0f});
  int main = b.conv2d("conv3", att, conv(32, 48, 3, 2, 1, false));
  main = b.unary(main, {UnaryFn::Tanh});
  int y = b.binary(BinaryFn::Add, main, sc);  // [48, 8, 8]
  y = b.resize(y, {2, 2});
  y = b.transpose(y, {{0, 2, 1}});
  y = b.pad(y, {0, 0, 1, 0, 0, 1, -1.0f});                 // [48, 17, 17], asymmetric
  y = b.conv2d("conv4", y, conv(48, 32, 3, 2, 0, false));  // [32, 8, 8]
  // Channels into positions and back: conservative bitmaps.
  y = b.transpose(y, {{1, 2, 0}});  // [8, 8, 32]
  y = b.reshape(y, {32, 8, 8});
  y = b.conv2d("conv5", y, conv(32, 32, 1, 1, 0, true));
  const int mean = b.global_avg_pool(y);
  y = b.binary(BinaryFn::Sub, y, mean);  // x - mean over positions, [32,1,1] second
  y = b.unary(y, {UnaryFn::Tanh});
  y = b.global_avg_pool(y);
  LinearAttrs fc1;
  fc1.out_features = 16;
  fc1.weight_transposed = true;
  fc1.alpha = 0.5f;
  fc1.beta = 2.0f;
  y = b.linear("fc1", y, fc1);
  y = b.unary(y, {UnaryFn::HardSwish});
  LinearAttrs fc2;
  fc2.out_features = 10;
  fc2.weight_transposed = true;
  fc2.bias = false;
  y = b.linear("fc2", y, fc2);
  return b.finish(b.softmax(y));
}

void set_constants(Graph& g) {
  auto set = [&](const char* key, std::vector<float> v) {
    g.params[size_t(*g.find_param(key))].value.data = std::move(v);
  };
  set("mean", {0.49f, 0.48f, 0.45f});
  set("std", {0.2f, 0.25f, 0.3f});
  set("scale", {0.8f});
}

using testing::run_engine;

TEST(OnnxOps, GraphUsesEveryNewOperatorAndConstantsAreNoFaultSites) {
  const Graph g = onnx_ops_net();
  std::set<OpKind> kinds;
  for (const Node& n : g.nodes) kinds.insert(n.kind);
  for (OpKind k : {OpKind::Unary, OpKind::Binary, OpKind::Pad, OpKind::Slice, OpKind::Resize, OpKind::Transpose,
                   OpKind::Softmax, OpKind::Reshape})
    EXPECT_TRUE(kinds.count(k)) << op_kind_name(k);
  const Param& mean = g.params[size_t(*g.find_param("mean"))];
  EXPECT_EQ(mean.role, ParamRole::Constant);
  EXPECT_FALSE(mean.is_parameter());
  EXPECT_FALSE(mean.is_fault_site());
  EXPECT_EQ(g.params[size_t(*g.find_param("fc1.weight"))].shape, (Shape{32, 16}));  // [in, out]
  EXPECT_FALSE(g.find_param("fc2.bias"));
}

TEST(OnnxOps, FastModeEqualsBruteForceOnOneAndTwoThreads) {
  Graph g = onnx_ops_net();
  randomize_weights(g, 5);
  set_constants(g);
  const ImageSet images = random_images(g, 10, 6);
  const std::vector<Fault> faults = random_faults(g, 45, 7);
  const auto brute = run_engine(g, images, faults, CampaignMode::BruteForce, 2);
  int64_t masked = 0, changed = 0;
  for (const FaultCounts& c : brute) {
    masked += c.masked;
    changed += c.non_critical + c.critical + c.due;
  }
  EXPECT_GT(masked, 0);
  EXPECT_GT(changed, 0);
  for (const auto& [threads, chunk] : {std::pair{1, 256}, std::pair{2, 256}, std::pair{2, 3}}) {
    const auto fast = run_engine(g, images, faults, CampaignMode::Fast, threads, chunk);
    ASSERT_EQ(fast.size(), brute.size());
    for (size_t i = 0; i < brute.size(); ++i)
      EXPECT_EQ(fast[i], brute[i]) << "fault " << i << " (" << faults[i].site.layer << " bit " << faults[i].site.bit
                                   << "), " << threads << " threads, chunks of " << chunk;
  }
}

// One node of a graph run alone on random inputs; then input k changed (every channel) at
// random positions: the output positions that change must all be marked by
// or_input_positions (exact: and only those).
void expect_positions_cover_changes(const Graph& g, int node, bool exact) {
  ExecutorOptions eo;
  eo.threads = 1;
  eo.variant = KernelVariant::Reference;
  Executor exec(g, eo);
  const ExecutorSteps steps(exec);
  const Node& n = g.nodes[size_t(node)];
  std::vector<std::vector<float>> ins;
  for (size_t k = 0; k < n.inputs.size(); ++k)
    ins.push_back(testing::random_floats(size_t(g.values[size_t(n.inputs[k])].numel()), uint32_t(30 + k)));
  const ValueShape& os = g.values[size_t(n.output)];
  const int64_t out_pos = int64_t(os.h) * os.w;
  auto run = [&](const std::vector<std::vector<float>>& v) {
    std::vector<const float*> p;
    for (const auto& x : v) p.push_back(x.data());
    std::vector<float> y(size_t(os.numel()));
    steps.run_node(node, p, y.data(), 1, nullptr);
    return y;
  };
  const std::vector<float> base = run(ins);
  std::mt19937 rng{static_cast<uint32_t>(node)};
  for (size_t k = 0; k < n.inputs.size(); ++k) {
    const ValueShape& is = g.values[size_t(n.inputs[k])];
    const int64_t in_pos = int64_t(is.h) * is.w;
    for (int trial = 0; trial < 12; ++trial) {
      std::vector<uint64_t> in_bits(size_t(campaign_detail::mask_words(in_pos)), 0);
      auto changed = ins;
      for (int64_t p = 0; p < in_pos; ++p)
        if (rng() % 7 == 0 || (trial == 0 && p == 0)) {
          in_bits[size_t(p / 64)] |= uint64_t(1) << (p % 64);
          for (int c = 0; c < is.c; ++c) changed[k][size_t(c * in_pos + p)] += 0.75f;
        }
      const std::vector<float> y = run(changed);
      std::vector<uint64_t> mark(size_t(campaign_detail::mask_words(out_pos)), 0), all = mark;
      campaign_detail::or_input_positions(g, n, k, in_bits.data(), mark.data());
      campaign_detail::or_input_positions(g, n, k, nullptr, all.data());
      for (int64_t p = 0; p < out_pos; ++p) {
        bool differs = false;
        for (int c = 0; c < os.c; ++c) differs = differs || y[size_t(c * out_pos + p)] != base[size_t(c * out_pos + p)];
        const bool marked = (mark[size_t(p / 64)] >> (p % 64)) & 1u;
        const bool marked_all = (all[size_t(p / 64)] >> (p % 64)) & 1u;
        ASSERT_TRUE(!differs || marked) << op_kind_name(n.kind) << " input " << k << ": position " << p
                                        << " changed but is not marked";
        ASSERT_TRUE(!marked || marked_all) << op_kind_name(n.kind) << ": no-bitmap rule misses position " << p;
        if (exact) {
          ASSERT_EQ(differs, marked) << op_kind_name(n.kind) << " input " << k << ": position " << p;
        }
      }
    }
  }
}

TEST(OnnxOps, PositionBitmapsCoverEveryChangedOutputPosition) {
  GraphBuilder b("positions", "cifar10", ValueShape{4, 6, 5}, 10);
  const int x = b.input();
  struct Check {
    int value;
    bool exact;
  };
  std::vector<Check> checks;
  checks.push_back({b.unary(x, {UnaryFn::Tanh}), true});
  checks.push_back({b.pad(x, {1, 2, 2, 1, 0, 3, 5.0f}), true});
  checks.push_back({b.slice(x, {{1, 4, 2}, {1, 6, 2}, {0, 5, 3}}), true});
  checks.push_back({b.resize(x, {2, 3}), true});
  checks.push_back({b.transpose(x, {{0, 2, 1}}), true});
  checks.push_back({b.transpose(x, {{2, 0, 1}}), false});
  checks.push_back({b.reshape(x, {8, 3, 5}), false});
  checks.push_back({b.reshape(x, {2, 6, 10}), false});
  const int gate = b.slice(x, {{0, 4, 1}, {0, 1, 1}, {0, 1, 1}});  // [4,1,1]
  const int row = b.slice(x, {{0, 1, 1}, {0, 6, 1}, {2, 3, 1}});   // [1,6,1]
  checks.push_back({b.binary(BinaryFn::Mul, x, gate), true});
  checks.push_back({b.binary(BinaryFn::Sub, row, x), true});
  checks.push_back({b.binary(BinaryFn::Div, gate, row), true});
  const int flat = b.global_avg_pool(x);
  checks.push_back({b.softmax(flat), false});  // a shift of every channel may cancel
  const Graph g = b.finish(b.linear("fc", b.flatten(x), 10));
  for (const Check& c : checks)
    for (size_t i = 0; i < g.nodes.size(); ++i)
      if (g.nodes[i].output == c.value) expect_positions_cover_changes(g, int(i), c.exact);
}

}  // namespace
}  // namespace faultbench
