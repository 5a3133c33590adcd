// --numerics int8 in the campaign's fast mode (docs/NUMERICS.md "int8", "Fast mode"): the
// faulty channel of an int8 conv or linear step recomputed alone (the fp32 kernels summing
// the codes where that is exact, the integer kernel on a one-channel pack where it is not,
// the reference kernel) gives the whole step's bits; and fast == brute force fault by
// fault for multi-bit, multi-site and stuck-at lists, threads 1 and 2, every fault run by
// the fast mode itself.
#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <cstring>
#include <random>
#include <string>

#include "../campaign/campaign_fixtures.h"
#include "faultbench/campaign/engine.h"
#include "faultbench/executor.h"
#include "faultbench/faults/fault.h"
#include "faultbench/graph/executor_campaign.h"
#include "faultbench/graph/quantize.h"

namespace faultbench {
namespace {

Graph int8_model(const char* model) {
  Graph g = build_model(model, "cifar10");
  testing::randomize_weights(g, 7);
  const ImageSet cal = testing::random_images(g, 4, 3);
  Tensor x({4, g.input_shape.c, g.input_shape.h, g.input_shape.w});
  cal.normalize(0, 4, x.ptr());
  quantize_int8(g, calibrate_int8(g, x, 1));
  return g;
}

bool is_int8_conv(const Node& n) {
  return n.kind == OpKind::Quantized && std::get<QuantizedAttrs>(n.attrs).op == QuantOp::Conv;
}

// Per model and variant, every int8 conv/linear step (MobileNetV2: the few with more than
// 1,024 products per sum, and two others): one code of channel co changed (a sign-bit
// flip, as a fault), run_step_channel on the golden executor against run_step on an
// executor whose weight holds the change.
TEST(Int8Fast, OneChannelEqualsTheWholeStepOnEveryPath) {
  int fp32_sums = 0, integer_sums = 0, reference = 0, differing = 0;
  for (const char* model : {"resnet20", "mobilenetv2"}) {
    const Graph g = int8_model(model);
    Graph changed = g;
    const ImageSet images = testing::random_images(g, 2, 5);
    Tensor x({2, g.input_shape.c, g.input_shape.h, g.input_shape.w});
    images.normalize(0, 2, x.ptr());
    for (KernelVariant variant : {KernelVariant::Optimized, KernelVariant::Reference}) {
      Executor golden(g, {1, variant, 128});
      Executor faulty(changed, {1, variant, 128});
      const ExecutorSteps steps(golden);
      std::vector<std::vector<float>> values(g.values.size());
      values[size_t(g.input_value)] = x.data;
      int others = 0;
      for (size_t si = 0; si < steps.steps().size(); ++si) {
        const ExecStep& st = steps.steps()[si];
        std::vector<const float*> ins;
        for (int v : st.inputs) ins.push_back(values[size_t(v)].data());
        const ValueShape& vs = g.values[size_t(st.output)];
        values[size_t(st.output)].resize(size_t(2 * vs.numel()));
        steps.run_step(int(si), ins, values[size_t(st.output)].data(), 2, nullptr);
        const Node& node = g.nodes[size_t(st.node)];
        if (!is_int8_conv(node)) continue;
        const int param = node.params[0];
        const auto& w = g.params[size_t(param)].value.data;
        const size_t per_channel = w.size() / size_t(vs.c);
        if (std::string(model) == "mobilenetv2" && per_channel <= 1024 && others++ >= 2) continue;
        const int co = vs.c / 2;
        const size_t at = co * per_channel + per_channel / 3;
        auto& cw_codes = changed.params[size_t(param)].value.data;
        cw_codes[at] = apply_fault(cw_codes[at], 7, FaultModel::BitFlip, Numerics::Int8);
        faulty.param_element_changed(param, int64_t(at));
        std::vector<float> want(values[size_t(st.output)].size());
        ExecutorSteps(faulty).run_step(int(si), ins, want.data(), 2, nullptr);
        const ChannelWeights cw = steps.channel_weights(int(si), co, cw_codes.data() + co * per_channel);
        cw_codes[at] = w[at];  // back to golden
        faulty.param_element_changed(param, int64_t(at));
        if (variant == KernelVariant::Reference) {
          EXPECT_FALSE(cw.int8_fp32_sums);
          ++reference;
        } else {
          // The fp32 kernels exactly where every partial sum stays below 2^24.
          EXPECT_EQ(cw.int8_fp32_sums, per_channel <= 1024) << node.name;
          ++(cw.int8_fp32_sums ? fp32_sums : integer_sums);
        }
        std::vector<float> got(want.size(), 42.0f);
        steps.run_step_channel(cw, ins, got.data(), 2);
        const size_t plane = size_t(vs.h) * size_t(vs.w);
        bool differs = false;
        for (size_t i = 0; i < got.size(); ++i) {
          if (int(i / plane % size_t(vs.c)) == co) {
            ASSERT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(want[i]))
                << model << " " << node.name << " element " << i;
            differs = differs || got[i] != values[size_t(st.output)][i];
          } else {
            ASSERT_EQ(got[i], 42.0f) << model << " " << node.name << ": element " << i << " outside channel written";
          }
        }
        differing += differs;  // (requantization or a ReLU may keep the channel's codes)
      }
    }
  }
  EXPECT_GT(fp32_sums, 10);
  EXPECT_GT(integer_sums, 0);  // MobileNetV2's classifier: 1,280 products
  EXPECT_GT(reference, 10);
  EXPECT_GT(differing, (fp32_sums + integer_sums + reference) / 2);
}

// Faults of 1-3 sites from random single sites (bits 0..7): another bit of the same
// weight, another weight of the channel, another channel, another layer; bit flips and
// stuck-at-0/1, mixed within every third fault.
std::vector<std::vector<Fault>> int8_faults(const Graph& g, int count, uint32_t seed) {
  const std::vector<Fault> pool = testing::random_faults(g, count * 3, seed);
  std::mt19937 rng(seed);
  auto shape_of = [&](const Fault& f) { return g.params[size_t(*g.find_param(f.site.layer + ".weight"))].shape; };
  const std::array models{FaultModel::BitFlip, FaultModel::StuckAt0, FaultModel::StuckAt1};
  std::vector<std::vector<Fault>> out;
  for (int i = 0; i < count; ++i) {
    Fault a = pool[size_t(3 * i)];
    a.site.bit = int(rng() % 8);
    a.model = models[size_t(i) % 3];
    std::vector<Fault> f{a};
    for (int k = 1; k < 1 + i % 3; ++k) {
      Fault b = a;
      switch ((i + k) % 4) {
        case 0: b.site.bit = (a.site.bit + k) % 8; break;
        case 1: b.site.index.back() = (b.site.index.back() + 1) % shape_of(a).back(); break;
        case 2: b.site.index[0] = (b.site.index[0] + 1) % shape_of(a)[0]; break;
        default: b = pool[size_t(3 * i + k)], b.site.bit = int(rng() % 8); break;
      }
      b.injection = a.injection;
      if (i % 3 == 2) b.model = models[size_t(k) % 3];
      bool twice = false;
      for (const Fault& o : f) twice = twice || o.site == b.site;
      if (!twice) f.push_back(b);
    }
    out.push_back(f);
  }
  return out;
}

int64_t changing(const Graph& g, const std::vector<std::vector<Fault>>& faults) {
  int64_t n = 0;
  for (const std::vector<Fault>& f : faults) {
    bool changes = false;
    for (const Fault& s : f) {
      const Param& p = g.params[size_t(*g.find_param(s.site.layer + ".weight"))];
      const float w = p.value.data[size_t(flat_index(p.shape, s.site.index))];
      changes = changes || apply_fault(w, s.site.bit, s.model, Numerics::Int8) != w;
    }
    n += changes;
  }
  return n;
}

std::vector<FaultCounts> run(const Graph& g, const ImageSet& images, const std::vector<std::vector<Fault>>& faults,
                             CampaignMode mode, int threads, int64_t* dropped = nullptr) {
  EngineOptions o;
  o.mode = mode;
  o.threads = threads;
  o.max_chunk_images = 3;
  o.profile = mode == CampaignMode::Fast;
  CampaignEngine engine(g, images, o);
  std::vector<ResolvedFault> rf;
  for (const std::vector<Fault>& f : faults) rf.push_back(resolve_fault_sites(g, f.data(), f.size()));
  std::vector<FaultCounts> out;
  EXPECT_TRUE(engine.run(rf, out));
  if (mode == CampaignMode::Fast) {
    // Every fault that changes a code ran in the fast mode (none fell back to brute force).
    int64_t simulated = 0;
    for (const auto& l : engine.profile().by_faulty_layer) {
      simulated += l.faults;
      if (dropped) *dropped += l.dropped_early;
    }
    EXPECT_EQ(simulated, changing(g, faults));
  }
  return out;
}

TEST(Int8Fast, MultiBitMultiSiteAndStuckAtEqualBruteForce) {
  for (const char* model : {"resnet20", "mobilenetv2"}) {
    const bool small = std::string(model) == "resnet20";
    const Graph g = int8_model(model);
    const ImageSet images = testing::random_images(g, small ? 8 : 4, 12);
    const auto faults = int8_faults(g, small ? 18 : 6, 14);
    const auto brute = run(g, images, faults, CampaignMode::BruteForce, 2);
    int64_t masked = 0, changed = 0;
    for (const FaultCounts& fc : brute) masked += fc.masked, changed += fc.non_critical + fc.critical;
    EXPECT_GT(masked, 0) << model;
    EXPECT_GT(changed, 0) << model;
    for (int threads : {1, 2}) {
      int64_t dropped = 0;
      const auto fast = run(g, images, faults, CampaignMode::Fast, threads, &dropped);
      // Images found masked on the way (the faulty channel requantized to its golden codes,
      // or a later value golden again) are dropped before the logits.
      EXPECT_GT(dropped, 0) << model;
      for (size_t i = 0; i < brute.size(); ++i)
        EXPECT_EQ(fast[i], brute[i]) << model << " fault " << i << " (" << faults[i].size() << " sites, first "
                                     << faults[i][0].site.layer << "), threads " << threads;
    }
  }
}

}  // namespace
}  // namespace faultbench
