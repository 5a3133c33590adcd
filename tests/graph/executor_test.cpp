// Executor determinism on small GraphBuilder graphs: batch composition, thread count,
// order, kernel variant and per-node execution all give the same logits bit for bit.
#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>

#include <gtest/gtest.h>

#include "faultbench/error.h"
#include "faultbench/executor.h"
#include "faultbench/graph/executor_campaign.h"
#include "faultbench/graph.h"
#include "graph/window_graph.h"

namespace faultbench {
namespace {

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

void randomize(Graph& g, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-0.5f, 0.5f), pos(0.5f, 1.5f);
  for (Param& p : g.params)
    for (float& v : p.value.data) v = p.role == ParamRole::RunningVar ? pos(rng) : d(rng);
}

// ResNet-like: stem, identity block, stride-2 block with option-A shortcut, max pool with
// padding and ceil mode, global pool, linear.
Graph resnet_like() {
  GraphBuilder b("tiny_resnet", "test", {3, 12, 12}, 10);
  int x = b.relu(b.batch_norm("bn1", b.conv2d("conv1", b.input(), {3, 8, 1, false, Window2d::square(3, 1, 1)})));
  int o = b.relu(b.batch_norm("l1.bn1", b.conv2d("l1.conv1", x, {8, 8, 1, false, Window2d::square(3, 1, 1)})));
  o = b.batch_norm("l1.bn2", b.conv2d("l1.conv2", o, {8, 8, 1, false, Window2d::square(3, 1, 1)}));
  x = b.relu(b.add(o, x));
  o = b.relu(b.batch_norm("l2.bn1", b.conv2d("l2.conv1", x, {8, 16, 1, false, Window2d::square(3, 2, 1)})));
  o = b.batch_norm("l2.bn2", b.conv2d("l2.conv2", o, {16, 16, 1, false, Window2d::square(3, 1, 1)}));
  x = b.relu(b.add(o, b.shortcut_a(x, 16)));
  x = b.max_pool(x, {Window2d::square(3, 2, 1), true});
  x = b.global_avg_pool(x);
  return b.finish(b.linear("fc", b.flatten(x), 10));
}

// DenseNet/Inception/MobileNet-like: concat, depthwise and grouped convs, biased 1x1,
// average pool with an odd input (11 -> 5), linear on a flattened 2x2 map.
Graph branchy() {
  GraphBuilder b("tiny_branchy", "test", {3, 11, 11}, 7);
  int x =
      b.relu(b.batch_norm("stem.bn", b.conv2d("stem", b.input(), {3, 12, 1, false, Window2d::square(3, 1, 1)}), 1e-3));
  int a = b.conv2d("b1", x, {12, 6, 1, true, Window2d::square(1, 1, 0)});
  int d = b.relu(b.conv2d("b2.dw", x, {12, 12, 12, false, Window2d::square(3, 1, 1)}));
  d = b.conv2d("b2.pw", d, {12, 6, 1, false, Window2d::square(1, 1, 0)});
  int g = b.conv2d("b3", x, {12, 8, 4, true, Window2d::square(5, 1, 2)});
  int m = b.max_pool(x, {Window2d::square(3, 1, 1), false});
  x = b.concat({a, d, g, m});                                             // 6 + 6 + 8 + 12 = 32 channels
  x = b.avg_pool(x, {Window2d::square(2, 2, 0), false});                  // 11 -> 5
  x = b.conv2d("down", x, {32, 16, 1, true, Window2d::square(3, 2, 1)});  // 5 -> 3
  x = b.max_pool(x, {Window2d::square(2, 2, 0), true});                   // 3 -> 2 (ceil)
  return b.finish(b.linear("fc", b.flatten(x), 7));
}

Tensor random_images(const Graph& g, int n, uint32_t seed) {
  Tensor t({n, g.input_shape.c, g.input_shape.h, g.input_shape.w});
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  for (float& v : t.data) v = d(rng);
  return t;
}

Tensor rows(const Tensor& t, int64_t begin, int64_t count) {
  const int64_t row = t.size() / t.shape[0];
  Shape s = t.shape;
  s[0] = count;
  return Tensor(s, std::vector<float>(t.data.begin() + begin * row, t.data.begin() + (begin + count) * row));
}

class ExecutorDeterminism : public ::testing::TestWithParam<int> {
 protected:
  Graph graph() const {
    return GetParam() == 0 ? resnet_like() : GetParam() == 1 ? branchy() : testing::window_graph();
  }
};

TEST_P(ExecutorDeterminism, BatchEqualsEachImageAlone) {
  Graph g = graph();
  randomize(g, 1);
  const Tensor images = random_images(g, 21, 2);
  Executor ex(g, {2, KernelVariant::Optimized, 128});
  const Tensor all = ex.forward(images);
  ASSERT_EQ(all.shape, (Shape{21, g.classes}));
  for (float v : all.data) ASSERT_TRUE(std::isfinite(v));
  for (int i = 0; i < 21; ++i) {
    const Tensor one = ex.forward(rows(images, i, 1));
    EXPECT_EQ(0, std::memcmp(one.ptr(), all.ptr() + i * g.classes, sizeof(float) * size_t(g.classes))) << "image " << i;
  }
  // Different logits for different images: the test can tell images apart.
  EXPECT_NE(0, std::memcmp(all.ptr(), all.ptr() + g.classes, sizeof(float) * size_t(g.classes)));
}

TEST_P(ExecutorDeterminism, ThreadsChunksVariantsAgree) {
  Graph g = graph();
  randomize(g, 3);
  const Tensor images = random_images(g, 19, 4);
  const Tensor base = Executor(g, {1, KernelVariant::Optimized, 128}).forward(images);
  EXPECT_TRUE(bitwise_equal(base, Executor(g, {2, KernelVariant::Optimized, 128}).forward(images)));
  EXPECT_TRUE(bitwise_equal(base, Executor(g, {2, KernelVariant::Optimized, 5}).forward(images)));
  EXPECT_TRUE(bitwise_equal(base, Executor(g, {3, KernelVariant::Optimized, 7}).forward(images)));
  EXPECT_TRUE(bitwise_equal(base, Executor(g, {1, KernelVariant::Reference, 128}).forward(images)));
  EXPECT_TRUE(bitwise_equal(base, Executor(g, {2, KernelVariant::Reference, 4}).forward(images)));
}

TEST_P(ExecutorDeterminism, PermutedBatchGivesPermutedLogits) {
  Graph g = graph();
  randomize(g, 5);
  const int n = 17;
  const Tensor images = random_images(g, n, 6);
  std::vector<int> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  std::shuffle(perm.begin(), perm.end(), std::mt19937(7));
  Tensor shuffled(images.shape);
  const int64_t row = images.size() / n;
  for (int i = 0; i < n; ++i) std::copy_n(images.ptr() + perm[size_t(i)] * row, row, shuffled.ptr() + i * row);
  Executor ex(g, {2, KernelVariant::Optimized, 128});
  const Tensor a = ex.forward(images), b = ex.forward(shuffled);
  for (int i = 0; i < n; ++i)
    EXPECT_EQ(0, std::memcmp(b.ptr() + i * g.classes, a.ptr() + perm[size_t(i)] * g.classes,
                             sizeof(float) * size_t(g.classes)));
}

TEST_P(ExecutorDeterminism, RunNodeChainEqualsForward) {
  Graph g = graph();
  randomize(g, 8);
  const int n = 3;
  const Tensor images = random_images(g, n, 9);
  Executor ex(g, {2, KernelVariant::Optimized, 128});
  std::vector<std::vector<float>> values(g.values.size());
  values[size_t(g.input_value)] = images.data;
  for (size_t i = 1; i < g.nodes.size(); ++i) {
    const Node& node = g.nodes[i];
    std::vector<const float*> ins;
    for (int v : node.inputs) ins.push_back(values[size_t(v)].data());
    values[size_t(node.output)].resize(size_t(n * g.values[size_t(node.output)].numel()));
    ExecutorSteps(ex).run_node(int(i), ins, values[size_t(node.output)].data(), n, i % 2 ? &ex.pool() : nullptr);
  }
  const Tensor logits = ex.forward(images);
  EXPECT_EQ(0, std::memcmp(logits.ptr(), values[size_t(g.output_value)].data(), logits.data.size() * sizeof(float)));
}

TEST_P(ExecutorDeterminism, ParamChangedRepacks) {
  Graph g = graph();
  randomize(g, 10);
  const Tensor images = random_images(g, 9, 11);
  Executor ex(g, {2, KernelVariant::Optimized, 128});
  const Tensor before = ex.forward(images);
  const int conv_w = g.fault_site_params().front();
  ASSERT_EQ(&ex.graph(), &g);  // the executor references the graph: edits are visible to it
  g.params[size_t(conv_w)].value.data[0] += 1.0f;
  ex.param_changed(conv_w);
  const Tensor after = ex.forward(images);
  EXPECT_FALSE(bitwise_equal(before, after));
  EXPECT_TRUE(bitwise_equal(after, Executor(g, {1, KernelVariant::Reference, 128}).forward(images)));
  // A batch-norm parameter too (folded constants).
  const int bn_var = *g.find_param(g.model == "tiny_resnet" ? "bn1.running_var" : "stem.bn.running_var");
  g.params[size_t(bn_var)].value.data[1] *= 4.0f;
  ex.param_changed(bn_var);
  EXPECT_TRUE(bitwise_equal(ex.forward(images), Executor(g, {1, KernelVariant::Reference, 128}).forward(images)));
}

TEST_P(ExecutorDeterminism, RunStepChainEqualsForward) {
  Graph g = graph();
  randomize(g, 12);
  const int n = 5;
  const Tensor images = random_images(g, n, 13);
  Executor ex(g, {2, KernelVariant::Optimized, 128});
  std::vector<std::vector<float>> values(g.values.size());
  values[size_t(g.input_value)] = images.data;
  bool fused = false;
  for (size_t si = 0; si < ExecutorSteps(ex).steps().size(); ++si) {
    const ExecStep& st = ExecutorSteps(ex).steps()[si];
    fused = fused || st.members.size() > 1;
    std::vector<const float*> ins;
    for (int v : st.inputs) {
      ASSERT_FALSE(values[size_t(v)].empty()) << "step " << si << " reads value " << v << " before it is written";
      ins.push_back(values[size_t(v)].data());
    }
    values[size_t(st.output)].resize(size_t(n * g.values[size_t(st.output)].numel()));
    ExecutorSteps(ex).run_step(int(si), ins, values[size_t(st.output)].data(), n, si % 2 ? &ex.pool() : nullptr);
  }
  EXPECT_TRUE(fused) << "the optimized schedule fuses conv -> batch_norm chains";
  const Tensor logits = ex.forward(images);
  EXPECT_EQ(0, std::memcmp(logits.ptr(), values[size_t(g.output_value)].data(), logits.data.size() * sizeof(float)));
}

TEST_P(ExecutorDeterminism, RunStepChannelEqualsTheStepWithTheChangedWeights) {
  // What the campaign's fast mode does per fault: one channel of a conv/linear step with
  // that channel's weights changed, against the whole step run with the weights changed.
  Graph g = graph();
  randomize(g, 14);
  const int n = 3;
  const Tensor images = random_images(g, n, 15);
  for (KernelVariant variant : {KernelVariant::Optimized, KernelVariant::Reference}) {
    Executor golden(g, {1, variant, 128});
    std::vector<std::vector<float>> values(g.values.size());
    values[size_t(g.input_value)] = images.data;
    int checked = 0, differing = 0;
    for (size_t si = 0; si < ExecutorSteps(golden).steps().size(); ++si) {
      const ExecStep& st = ExecutorSteps(golden).steps()[si];
      std::vector<const float*> ins;
      for (int v : st.inputs) ins.push_back(values[size_t(v)].data());
      const ValueShape& vs = g.values[size_t(st.output)];
      values[size_t(st.output)].resize(size_t(n * vs.numel()));
      ExecutorSteps(golden).run_step(int(si), ins, values[size_t(st.output)].data(), n, nullptr);
      const Node& node = g.nodes[size_t(st.node)];
      if (node.kind != OpKind::Conv2d && node.kind != OpKind::Linear) {
        EXPECT_THROW(ExecutorSteps(golden).channel_weights(int(si), 0, nullptr), UsageError);
        continue;
      }
      // Change one weight of channel co (a large change: the outputs must differ).
      const int co = vs.c / 2;
      Graph changed = g;
      auto& wt = changed.params[size_t(node.params[0])].value.data;
      const size_t per_channel = wt.size() / size_t(vs.c);
      wt[co * per_channel + per_channel / 3] += 3.0f;
      std::vector<float> want(values[size_t(st.output)].size());
      ExecutorSteps(Executor(changed, {1, variant, 128})).run_step(int(si), ins, want.data(), n, nullptr);
      std::vector<float> got(want.size(), 42.0f);
      ExecutorSteps(golden).run_step_channel(
          ExecutorSteps(golden).channel_weights(int(si), co, wt.data() + co * per_channel), ins, got.data(), n);
      const size_t plane = size_t(vs.h) * size_t(vs.w);
      bool differs = false;
      for (size_t i = 0; i < got.size(); ++i) {
        if (int(i / plane % size_t(vs.c)) == co) {
          ASSERT_EQ(bits(got[i]), bits(want[i])) << "step " << si << " element " << i;
          differs = differs || bits(got[i]) != bits(values[size_t(st.output)][i]);
        } else {
          ASSERT_EQ(got[i], 42.0f) << "step " << si << ": element " << i << " outside channel " << co << " written";
        }
      }
      differing += differs;  // (a ReLU may still zero the whole channel)
      ++checked;
    }
    EXPECT_GT(checked, 1);  // the convs and the classifier
    EXPECT_GT(differing, checked / 2);
    EXPECT_THROW(ExecutorSteps(golden).channel_weights(int(ExecutorSteps(golden).steps().size()), 0, nullptr),
                 UsageError);
  }
}

TEST_P(ExecutorDeterminism, RunStepSegmentsEqualRunStep) {
  // The campaign continues 1x1 convs from saved partial sums: the step in two slices of its
  // input channels, the first one's raw sums handed to the second, gives run_step's bits.
  Graph g = graph();
  randomize(g, 18);
  const int n = 3;
  const Tensor images = random_images(g, n, 19);
  for (KernelVariant variant : {KernelVariant::Optimized, KernelVariant::Reference}) {
    Executor ex(g, {1, variant, 128});
    std::vector<std::vector<float>> values(g.values.size());
    values[size_t(g.input_value)] = images.data;
    int checked = 0;
    for (size_t si = 0; si < ExecutorSteps(ex).steps().size(); ++si) {
      const ExecStep& st = ExecutorSteps(ex).steps()[si];
      std::vector<const float*> ins;
      for (int v : st.inputs) ins.push_back(values[size_t(v)].data());
      std::vector<float>& out = values[size_t(st.output)];
      out.resize(size_t(n * g.values[size_t(st.output)].numel()));
      ExecutorSteps(ex).run_step(int(si), ins, out.data(), n, nullptr);
      if (!ExecutorSteps(ex).step_resumable(int(si))) {
        EXPECT_THROW(ExecutorSteps(ex).run_step_segment(int(si), ins, {0, 1, nullptr, false}, out.data(), n, nullptr),
                     UsageError);
        continue;
      }
      const int in_c = g.values[size_t(st.inputs[0])].c, cut = in_c / 3;
      std::vector<float> partial(out.size()), got(out.size());
      ExecutorSteps(ex).run_step_segment(int(si), ins, {0, cut, nullptr, false}, partial.data(), n, nullptr);
      ExecutorSteps(ex).run_step_segment(int(si), ins, {cut, in_c, partial.data(), true}, got.data(), n, nullptr);
      EXPECT_TRUE(std::memcmp(got.data(), out.data(), out.size() * sizeof(float)) == 0) << "step " << si;
      ++checked;
    }
    // (The optimized variant splits convs with two vectors of output channels, which these
    // small graphs lack: tests/ops/conv2d_segment_test.cpp and the DenseNet campaign test.)
    if (GetParam() == 1 && variant == KernelVariant::Reference) {
      EXPECT_GT(checked, 0) << "the branchy graph's 1x1 convs";
    }
  }
}

TEST_P(ExecutorDeterminism, ParamElementChangedEqualsRepacking) {
  Graph g = graph();
  randomize(g, 16);
  const Tensor images = random_images(g, 6, 17);
  Executor ex(g, {2, KernelVariant::Optimized, 128});
  for (int param : g.fault_site_params()) {  // conv and linear weights: patched in place
    auto& data = g.params[size_t(param)].value.data;
    const int64_t at = int64_t(data.size()) * 2 / 3;
    const float old = data[size_t(at)];
    data[size_t(at)] = old * -8.0f + 0.25f;
    ex.param_element_changed(param, at);
    EXPECT_TRUE(bitwise_equal(ex.forward(images), Executor(g, {1, KernelVariant::Reference, 128}).forward(images)))
        << g.params[size_t(param)].name;
    data[size_t(at)] = old;
    ex.param_element_changed(param, at);
  }
  const int bn_var = *g.find_param(g.model == "tiny_resnet" ? "bn1.running_var" : "stem.bn.running_var");
  g.params[size_t(bn_var)].value.data[0] *= 3.0f;  // any other parameter: refolded
  ex.param_element_changed(bn_var, 0);
  EXPECT_TRUE(bitwise_equal(ex.forward(images), Executor(g, {1, KernelVariant::Reference, 128}).forward(images)));
  EXPECT_THROW(ex.param_element_changed(bn_var, g.params[size_t(bn_var)].value.size()), UsageError);
}

// 2: the ONNX windows (tests/graph/window_graph.h).
INSTANTIATE_TEST_SUITE_P(Graphs, ExecutorDeterminism, ::testing::Values(0, 1, 2));

TEST(Executor, RejectsBadInput) {
  Graph g = resnet_like();
  Executor ex(g, {1, KernelVariant::Optimized, 128});
  try {
    ex.forward(Tensor({2, 3, 11, 12}));
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("[N, 3, 12, 12]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ExecutorSteps(ex).run_node(0, {}, nullptr, 1, nullptr), UsageError);
  EXPECT_THROW(ExecutorSteps(ex).run_node(1, {}, nullptr, 1, nullptr), UsageError);
  EXPECT_EQ(ex.forward(Tensor({0, 3, 12, 12})).shape, (Shape{0, 10}));
  // A parameter with the wrong number of values is refused at construction.
  g.params[0].value.data.pop_back();
  EXPECT_THROW(Executor(g, {}), UsageError);
}

}  // namespace
}  // namespace faultbench
