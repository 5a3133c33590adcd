// Faults that make NaN or Inf (issue 7, part 3, engine side).
//
// Bit-30 flips (nan_fixtures.h) that make a weight +Inf, NaN, or a huge finite value
// (~1e38) whose products overflow to Inf later and then make NaN (Inf - Inf, 0 * Inf).
// For every layer type of three zoo models (3x3 conv, 1x1 conv, depthwise conv, linear;
// first, middle and last layer of each type, the three fault kinds in turn) and for
// huge weights in all layers at once, the executor must
//  - finish (no trap, no hang: a watchdog fails the test after a generous deadline),
//  - give bitwise identical logits, NaN payloads and signs included (memcmp), for the
//    reference and optimized kernels and for 1 and 2 threads,
//  - and the campaign classification of those logits (classify_image) must count the
//    non-finite images as due, identically in every configuration.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <future>
#include <map>
#include <random>
#include <thread>

#include "faultbench/campaign/classify.h"
#include "faultbench/executor.h"
#include "faultbench/zoo/zoo.h"
#include "nan_fixtures.h"

namespace faultbench::robustness {
namespace {

constexpr int kImages = 2;

Tensor images(const Graph& g, uint32_t seed) {
  Tensor t({kImages, g.input_shape.c, g.input_shape.h, g.input_shape.w});
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  for (float& v : t.data) v = d(rng);
  return t;
}

// Kind of a fault-site layer, for picking one of each.
std::string layer_kind(const Graph& g, const Param& p) {
  if (p.shape.size() == 2) return "linear";
  const auto& a = std::get<Conv2dAttrs>(g.nodes[size_t(p.node)].attrs);
  if (a.groups > 1) return "depthwise";
  const int k = a.window.kernel_h;
  return k == 1 ? "conv1x1" : "conv" + std::to_string(k) + "x" + std::to_string(k);
}

// Runs forward in a thread; fails (instead of hanging the suite) past the deadline.
Tensor forward_with_deadline(const Graph& g, const Tensor& x, ExecutorOptions opt) {
  auto task = std::make_shared<std::packaged_task<Tensor()>>([&g, x, opt] { return Executor(g, opt).forward(x); });
  std::future<Tensor> result = task->get_future();
  std::thread([task] { (*task)(); }).detach();
  if (result.wait_for(std::chrono::minutes(5)) != std::future_status::ready) {
    ADD_FAILURE() << "forward did not finish within 5 minutes (hang on NaN/Inf?)";
    std::abort();  // the detached thread still references g and x
  }
  return result.get();
}

struct Config {
  const char* name;
  ExecutorOptions options;
};
const Config kConfigs[] = {{"reference/1 thread", {1, KernelVariant::Reference, 128}},
                           {"reference/2 threads", {2, KernelVariant::Reference, 128}},
                           {"optimized/1 thread", {1, KernelVariant::Optimized, 128}},
                           {"optimized/2 threads", {2, KernelVariant::Optimized, 128}}};

int count_nonfinite(const Tensor& t) {
  int n = 0;
  for (float v : t.data) n += !std::isfinite(v);
  return n;
}

// Runs every configuration on the faulty graph; all logits must be bitwise equal, and so
// must the classification against each configuration's golden logits. Returns the
// number of non-finite logits.
int check_configs(const Graph& faulty, const Tensor& x, const std::vector<Tensor>& golden, const std::string& what) {
  std::vector<Tensor> out;
  for (const Config& c : kConfigs) out.push_back(forward_with_deadline(faulty, x, c.options));
  const int k = faulty.classes;
  FaultCounts first;
  for (size_t c = 0; c < out.size(); ++c) {
    EXPECT_EQ(out[c].size(), out[0].size());
    EXPECT_EQ(0, std::memcmp(out[c].ptr(), out[0].ptr(), sizeof(float) * size_t(out[0].size())))
        << what << ": " << kConfigs[c].name << " differs from " << kConfigs[0].name;
    FaultCounts counts;
    for (int i = 0; i < kImages; ++i) {
      const float* gl = golden[c].ptr() + i * k;
      classify_image(gl, top1_index(gl, k), out[c].ptr() + i * k, k, 0, counts);
    }
    if (c == 0) first = counts;
    EXPECT_EQ(counts, first) << what << ": classification differs in " << kConfigs[c].name;
    EXPECT_EQ(counts.images(), kImages);
  }
  // due counts exactly the images with a non-finite logit.
  int nonfinite_images = 0;
  for (int i = 0; i < kImages; ++i) {
    bool bad = false;
    for (int j = 0; j < k; ++j) bad |= !std::isfinite(out[0].ptr()[i * k + j]);
    nonfinite_images += bad;
  }
  EXPECT_EQ(first.due, nonfinite_images) << what;
  if (nonfinite_images > 0) {
    EXPECT_EQ(first.masked, 0) << what << ": an image with NaN/Inf logits counted as masked";
  }
  return count_nonfinite(out[0]);
}

class NanInf : public ::testing::TestWithParam<const char*> {};

TEST_P(NanInf, Bit30FlipsAreDeterministicAndCountedAsDue) {
  Graph g = build_model(GetParam(), "cifar10");
  randomize_for_nan(g, 11);
  const Tensor x = images(g, 12);
  std::vector<Tensor> golden;
  for (const Config& c : kConfigs) golden.push_back(forward_with_deadline(g, x, c.options));
  for (const Tensor& t : golden) ASSERT_EQ(count_nonfinite(t), 0) << "golden logits must be finite";

  // First, middle and last fault site of each layer kind.
  std::map<std::string, std::vector<int>> by_kind;
  for (int pi : g.fault_site_params()) by_kind[layer_kind(g, g.params[size_t(pi)])].push_back(pi);
  int runs = 0, nonfinite_runs = 0;
  const NanFault kinds[] = {NanFault::Huge, NanFault::Inf, NanFault::NaN};
  for (const auto& [kind, sites] : by_kind) {
    std::vector<int> picks = {sites.front(), sites[sites.size() / 2], sites.back()};
    picks.erase(std::unique(picks.begin(), picks.end()), picks.end());  // kinds with 1 or 2 layers
    for (const int pi : picks) {
      const NanFault k = kinds[runs % 3];
      Graph faulty = g;
      float& w = faulty.params[size_t(pi)].value.data[size_t(nan_fault_offset(g, pi, k))];
      w = flip_bit30(w);
      const std::string what =
          std::string(GetParam()) + " " + kind + " " + g.params[size_t(pi)].name + " (" + nan_fault_name(k) + ")";
      if (k == NanFault::Huge) {
        ASSERT_GT(std::fabs(w), 1e30f) << what;
      } else if (k == NanFault::Inf) {
        ASSERT_TRUE(std::isinf(w)) << what;
      } else {
        ASSERT_TRUE(std::isnan(w)) << what;
      }
      nonfinite_runs += check_configs(faulty, x, golden, what) > 0;
      ++runs;
    }
  }
  // All layers at once: Inf and NaN everywhere downstream.
  Graph all = g;
  for (int pi : g.fault_site_params()) {
    float& w = all.params[size_t(pi)].value.data[size_t(nan_fault_offset(g, pi, NanFault::Huge))];
    w = flip_bit30(w);
  }
  EXPECT_GT(check_configs(all, x, golden, std::string(GetParam()) + " all layers"), 0)
      << "huge weights in every layer should give non-finite logits";
  EXPECT_GT(nonfinite_runs, 0) << "no single fault produced NaN/Inf: the test would prove nothing";
  EXPECT_GE(by_kind.size(), 2u);
  std::printf("[ %s ] %d single-layer faults (%zu layer kinds), %d with non-finite logits\n", GetParam(), runs,
              by_kind.size(), nonfinite_runs);
}

// resnet20: 3x3 conv, linear, option-A shortcut; mobilenetv2: 1x1 and depthwise conv;
// vgg11_bn: max pooling and three linear layers.
INSTANTIATE_TEST_SUITE_P(Zoo, NanInf, ::testing::Values("resnet20", "mobilenetv2", "vgg11_bn"));

}  // namespace
}  // namespace faultbench::robustness
