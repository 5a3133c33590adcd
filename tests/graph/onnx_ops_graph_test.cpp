// GraphBuilder shape inference and errors for the operators of imported graphs, the
// executor's rules for them, and their determinism in the executor: optimized == reference,
// batch == single image, weight patches of a transposed (Gemm transB = 0) Linear.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "faultbench/error.h"
#include "faultbench/executor.h"
#include "faultbench/graph.h"

namespace faultbench {
namespace {

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

GraphBuilder builder() { return GraphBuilder("t", "cifar10", ValueShape{4, 6, 8}, 5); }

TEST(OnnxGraph, ShapeInference) {
  GraphBuilder b = builder();
  const int x = b.input();
  EXPECT_EQ(b.shape(b.unary(x, {UnaryFn::Sigmoid})), (ValueShape{4, 6, 8}));
  EXPECT_EQ(b.shape(b.pad(x, {1, 2, 0, 1, 3, 0, 0.0f})), (ValueShape{7, 7, 11}));
  EXPECT_EQ(b.shape(b.slice(x, {{0, 4, 1}, {0, 6, 2}, {1, 8, 2}})), (ValueShape{4, 3, 4}));
  EXPECT_EQ(b.shape(b.resize(x, {2, 3})), (ValueShape{4, 12, 24}));
  EXPECT_EQ(b.shape(b.transpose(x, {{1, 2, 0}})), (ValueShape{6, 8, 4}));
  EXPECT_EQ(b.shape(b.reshape(x, {8, 3, 8})), (ValueShape{8, 3, 8}));
  const int gate = b.global_avg_pool(x);
  EXPECT_EQ(b.shape(b.binary(BinaryFn::Mul, gate, x)), (ValueShape{4, 6, 8}));
  EXPECT_EQ(b.shape(b.binary_constant(BinaryFn::Div, x, "k", {1, 4, 1, 1}, {4, 1, 1})), (ValueShape{4, 6, 8}));
  EXPECT_EQ(b.shape(b.softmax(gate)), (ValueShape{4, 1, 1}));
  LinearAttrs la;
  la.out_features = 5;
  la.weight_transposed = true;
  la.bias = false;
  const int y = b.linear("fc", gate, la);
  const Graph g = b.finish(y);
  EXPECT_EQ(g.params.back().shape, (Shape{4, 5}));
  EXPECT_EQ(g.params.back().name, "fc.weight");
  EXPECT_EQ(g.params[size_t(*g.find_param("k"))].role, ParamRole::Constant);
  EXPECT_EQ(g.parameter_count(), 20);  // the constant is no parameter
  EXPECT_EQ(g.fault_site_weight_count(), 20);
}

TEST(OnnxGraph, BuilderErrorsNameTheOperatorAndRule) {
  GraphBuilder b = builder();
  const int x = b.input();
  const int other = b.slice(x, {{0, 3, 1}, {0, 6, 1}, {0, 8, 1}});  // [3, 6, 8]
  EXPECT_EQ(message_of([&] { b.binary(BinaryFn::Add, x, other); }),
            "binary (Add): operand shapes [4, 6, 8] and [3, 6, 8] do not broadcast (axis c: 4 vs 3)");
  EXPECT_EQ(message_of([&] {
              b.binary_constant(BinaryFn::Sub, x, "mean", {3}, {3, 1, 1});
            }),
            "binary (Sub): operand shapes [4, 6, 8] and [3, 1, 1] do not broadcast (axis c: 4 vs 3)");
  EXPECT_EQ(message_of([&] {
              b.binary_constant(BinaryFn::Sub, x, "mean", {1, 4}, {4, 2, 1});
            }),
            "binary (Sub): constant 'mean' of shape [1, 4] cannot be viewed as [4, 2, 1]");
  EXPECT_EQ(message_of([&] {
              b.binary_constant(BinaryFn::Mul, x, "big", {4, 6, 8, 2}, {4, 6, 16});
            }),
            "binary (Mul): operand shapes [4, 6, 8] and [4, 6, 16] do not broadcast (axis w: 8 vs 16)");
  const int gate = b.global_avg_pool(x);
  EXPECT_EQ(message_of([&] {
              b.binary_constant(BinaryFn::Mul, gate, "map", {4, 6, 8}, {4, 6, 8});
            }),
            "binary (Mul): constant 'map' [4, 6, 8] would grow the value [4, 1, 1] to [4, 6, 8]");
  EXPECT_EQ(message_of([&] { b.softmax(x); }), "softmax: only over the channels of a [C, 1, 1] value, got [4, 6, 8]");
  EXPECT_EQ(message_of([&] {
              b.reshape(x, {4, 6, 7});
            }),
            "reshape: [4, 6, 8] cannot become [4, 6, 7] (element counts differ)");
  EXPECT_EQ(message_of([&] {
              b.slice(x, {{0, 4, 1}, {2, 2, 1}, {0, 8, 1}});
            }),
            "slice: axis h: start 2, end 2, step 1 must satisfy 0 <= start < end <= 6 and step >= 1");
  EXPECT_EQ(message_of([&] {
              b.pad(x, {0, 0, 0, 0, -1, 0, 0.0f});
            }),
            "pad: pads must be >= 0 (cropping is a slice), got c 0/0, h 0/0, w -1/0");
  EXPECT_EQ(message_of([&] {
              b.transpose(x, {{0, 1, 3}});
            }),
            "transpose: perm (0, 1, 3) is not a permutation of the (c, h, w) axes (0, 1, 2)");
  EXPECT_EQ(message_of([&] {
              b.resize(x, {1, 0});
            }),
            "resize: scales must be integers in [1, 1024] (nearest upsampling), got 1 x 0");
  EXPECT_EQ(message_of([&] {
              b.unary(x, {UnaryFn::Clip, 0, 0, std::nanf(""), 1.0f});
            }),
            "unary (Clip): a bound is NaN");
  LinearAttrs la;
  EXPECT_EQ(message_of([&] { b.linear("fc", gate, la); }), "linear 'fc': out_features must be positive, got 0");
}

TEST(OnnxGraph, ExecutorRejectsInconsistentNodes) {
  GraphBuilder b = builder();
  const int gate = b.global_avg_pool(b.input());
  const int y = b.binary_constant(BinaryFn::Add, gate, "bias", {4}, {4, 1, 1});
  Graph g = b.finish(b.linear("fc", y, 5));
  Graph bad = g;
  bad.params[size_t(*bad.find_param("bias"))].value.data.resize(3);
  EXPECT_EQ(message_of([&] { Executor e(bad); }),
            "executor: node 2 (binary): constant 'bias' holds 3 values, its view needs 4");
  bad = g;
  std::get<BinaryAttrs>(bad.nodes[2].attrs).constant = {5, 1, 1};
  EXPECT_EQ(message_of([&] { Executor e(bad); }),
            "executor: node 2 (binary): constant 'bias' holds 4 values, its view needs 5");
  bad = g;
  bad.nodes[2].attrs = PadAttrs{};
  EXPECT_EQ(message_of([&] { Executor e(bad); }), "executor: node 2 (binary): attributes do not match the operator");
}

// A 3x3 conv, stride 1, padding 1, with bias, written for both forms of Conv2dAttrs (square
// fields, or a Window2d after the conv/pool geometry work).
template <class A = Conv2dAttrs>
A conv3x3(int in, int out) {
  A a;
  a.in_channels = in;
  a.out_channels = out;
  a.bias = true;
  if constexpr (requires { a.window; }) {
    a.window = decltype(a.window)::square(3, 1, 1);
  } else {
    a.kernel = 3;
    a.padding = 1;
  }
  return a;
}

// Every new operator, Gemm-style Linears included, behind a small conv stem.
Graph every_op() {
  GraphBuilder b("every_op", "cifar10", ValueShape{3, 8, 8}, 6);
  int x = b.binary_constant(BinaryFn::Sub, b.input(), "mean", {1, 3, 1, 1}, {3, 1, 1}, false);
  x = b.binary_constant(BinaryFn::Div, x, "inv", {1}, {1, 1, 1}, true);  // 1 / x... as 'inv' / x
  x = b.unary(x, {UnaryFn::Tanh});
  x = b.conv2d("conv", x, conv3x3(3, 8));
  const int a = b.unary(x, {UnaryFn::HardSwish});
  const int g = b.unary(b.global_avg_pool(a), {UnaryFn::Sigmoid});
  x = b.binary(BinaryFn::Mul, a, g);
  x = b.pad(b.slice(x, {{0, 8, 1}, {0, 8, 2}, {1, 8, 2}}), {2, 2, 1, 0, 0, 1, 0.25f});  // [12, 5, 5]
  x = b.resize(x, {2, 1});                                                              // [12, 10, 5]
  x = b.transpose(x, {{0, 2, 1}});                                                      // [12, 5, 10]
  x = b.unary(x, {UnaryFn::LeakyRelu, 0.01f});
  x = b.reshape(b.transpose(x, {{2, 1, 0}}), {10, 12, 5});
  x = b.unary(x, {UnaryFn::Clip, 0, 0, -1.0f, 1.0f});
  x = b.unary(x, {UnaryFn::HardSigmoid, 0.2f, 0.5f});
  x = b.global_avg_pool(x);
  LinearAttrs l1;
  l1.out_features = 7;
  l1.weight_transposed = true;
  l1.alpha = 0.75f;
  l1.beta = 0.5f;
  x = b.linear("fc1", x, l1);
  LinearAttrs l2;
  l2.out_features = 6;
  l2.bias = false;
  x = b.linear("fc2", x, l2);
  return b.finish(b.softmax(x));
}

void randomize(Graph& g, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-0.5f, 0.5f);
  for (Param& p : g.params)
    for (float& v : p.value.data) v = d(rng);
  g.params[size_t(*g.find_param("inv"))].value.data = {0.5f};
}

Tensor random_images(int n, uint32_t seed) {
  Tensor t({n, 3, 8, 8});
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-2.0f, 2.0f);
  for (float& v : t.data) v = d(rng);
  return t;
}

TEST(OnnxGraph, OptimizedEqualsReferenceAndBatchEqualsSingleImages) {
  Graph g = every_op();
  randomize(g, 3);
  const Tensor images = random_images(9, 4);
  ExecutorOptions ro;
  ro.variant = KernelVariant::Reference;
  ro.threads = 1;
  const Tensor ref = Executor(g, ro).forward(images);
  for (int threads : {1, 2}) {
    ExecutorOptions o;
    o.threads = threads;
    EXPECT_TRUE(bitwise_equal(Executor(g, o).forward(images), ref)) << threads << " threads";
  }
  ExecutorOptions one;
  one.max_batch = 1;
  EXPECT_TRUE(bitwise_equal(Executor(g, one).forward(images), ref));
  float sum = 0;
  for (int k = 0; k < 6; ++k) sum += ref.data[size_t(k)];
  EXPECT_NEAR(sum, 1.0f, 1e-6f);  // softmax output
}

TEST(OnnxGraph, PatchingATransposedLinearWeightEqualsRepacking) {
  Graph g = every_op();
  randomize(g, 5);
  const Tensor images = random_images(3, 6);
  Executor patched(g);
  patched.forward(images);
  const int w = *g.find_param("fc1.weight");
  for (int64_t offset : {0, 13, 55}) {
    g.params[size_t(w)].value.data[size_t(offset)] += 1.0f;
    patched.param_element_changed(w, offset);
  }
  Executor fresh(g);
  EXPECT_TRUE(bitwise_equal(patched.forward(images), fresh.forward(images)));
}

}  // namespace
}  // namespace faultbench
