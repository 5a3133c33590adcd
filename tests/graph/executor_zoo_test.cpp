// Executor determinism on every zoo model with random weights: the optimized variant
// (fused steps, image-parallel and op-parallel scheduling) against the reference variant
// (every node alone, scalar kernels), and batch composition.
#include <cmath>
#include <cstring>
#include <random>

#include <gtest/gtest.h>

#include "faultbench/executor.h"
#include "faultbench/zoo/zoo.h"

namespace faultbench {
namespace {

// He-scaled weights and mild batch-norm statistics, so that activations neither vanish
// nor explode in 100+ layer models and the logits depend on the image.
void randomize(Graph& g, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> unit(0.0f, 1.0f);
  std::uniform_real_distribution<float> around_one(0.8f, 1.2f);
  for (Param& p : g.params) {
    const bool bn = g.nodes[size_t(p.node)].kind == OpKind::BatchNorm2d;
    const float he = p.shape.size() >= 2 ? std::sqrt(2.0f * float(p.shape[0]) / float(numel(p.shape))) : 0.1f;
    for (float& v : p.value.data) {
      if (p.role == ParamRole::RunningVar || (bn && p.role == ParamRole::Weight))
        v = around_one(rng);
      else
        v = unit(rng) * he;
    }
  }
}

Tensor images(const Graph& g, int n, uint32_t seed) {
  Tensor t({n, g.input_shape.c, g.input_shape.h, g.input_shape.w});
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  for (float& v : t.data) v = d(rng);
  return t;
}

class ZooDeterminism : public ::testing::TestWithParam<ModelInfo> {};

TEST_P(ZooDeterminism, OptimizedEqualsReferenceAndBatchIsIrrelevant) {
  const ModelInfo& m = GetParam();
  Graph g = build_model(m.model, m.dataset);
  randomize(g, 7);
  const int n = 9;  // >= 2 threads x 4 images: the image-parallel path, with a remainder
  const Tensor x = images(g, n, 8);
  Executor opt(g, {2, KernelVariant::Optimized, 128});
  const Tensor all = opt.forward(x);
  for (float v : all.data) ASSERT_TRUE(std::isfinite(v)) << m.model;
  // The last image alone (op-parallel path), and through the reference kernels.
  Tensor last({1, g.input_shape.c, g.input_shape.h, g.input_shape.w});
  std::memcpy(last.ptr(), x.ptr() + (n - 1) * last.size(), sizeof(float) * size_t(last.size()));
  const Tensor one = opt.forward(last);
  const size_t bytes = sizeof(float) * size_t(g.classes);
  EXPECT_EQ(0, std::memcmp(one.ptr(), all.ptr() + (n - 1) * g.classes, bytes)) << "batch vs alone";
  // The scalar reference kernels take seconds on the largest models; their operator
  // patterns are all present in the smaller ones (DenseNet121/GoogLeNet CIFAR-100 stay in).
  if (g.macs_per_image() < 1'000'000'000) {
    const Tensor ref = Executor(g, {1, KernelVariant::Reference, 128}).forward(last);
    EXPECT_EQ(0, std::memcmp(ref.ptr(), one.ptr(), bytes)) << "reference vs optimized";
  }
  EXPECT_NE(0, std::memcmp(all.ptr(), all.ptr() + g.classes, bytes)) << "images give different logits";
}

INSTANTIATE_TEST_SUITE_P(AllModels, ZooDeterminism, ::testing::ValuesIn(zoo_models()),
                         [](const ::testing::TestParamInfo<ModelInfo>& info) {
                           return info.param.model + "_" + info.param.dataset;
                         });

}  // namespace
}  // namespace faultbench
