// Issue 20's check of the zoo through ONNX, in process: each export (zoo_exports.h) imported
// has the built-in model's parameter names, shapes and order; on 200 random images its
// logits are bitwise the built-in model's; a 30-fault campaign (the same sampler: the same
// list, fast mode, 2 threads) gives a RESULTS.csv byte-identical to the built-in model's.
// In process, so that no CLI is spawned and no image file is decoded: the engine and
// format_results_csv are what `faultbench campaign` runs and writes (the CLI itself is
// compared for ResNet20 in onnx_zoo_test.cpp). CI runs the pairs of
// FAULTBENCH_ONNX_CI_CAMPAIGNS (the cheap ones, tests/CMakeLists.txt); FAULTBENCH_ONNX_ZOO=all
// runs all 19 (docs/ONNX.md records the run).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "faultbench/campaign/engine.h"
#include "faultbench/campaign/results_csv.h"
#include "faultbench/data/dataset.h"
#include "faultbench/faults/fault_list_csv.h"
#include "faultbench/faults/sampling.h"
#include "faultbench/io/checkpoint.h"
#include "faultbench/io/state_dict.h"
#include "faultbench/onnx/import.h"
#include "faultbench/zoo/zoo.h"
#include "test_support.h"
#include "zoo_exports.h"

namespace faultbench {
namespace {

using testing::ZooExport;

constexpr int kImages = 200, kFaults = 30;

// 200 random 8-bit images of the dataset's shape, normalized as the dataset is (as a test set
// is read), with random labels.
ImageSet random_images(const std::string& dataset, const ValueShape& shape) {
  ImageSet s;
  s.dataset = dataset;
  s.shape = shape;
  s.classes = dataset_classes(dataset);
  s.norm = dataset_normalization(dataset);
  std::mt19937 rng(11);
  s.pixels.resize(size_t(kImages * shape.numel()));
  for (uint8_t& p : s.pixels) p = uint8_t(rng() & 0xff);
  for (int i = 0; i < kImages; ++i) s.labels.push_back(int(rng() % uint32_t(s.classes)));
  return s;
}

struct Campaign {
  std::vector<float> logits;
  std::string faults_csv, results_csv;
};

// What `faultbench faultlist --count 30` and `faultbench campaign --threads 2` (fast) compute.
Campaign run_campaign_on(const Graph& graph, const ImageSet& images) {
  Campaign c;
  SamplingParams params;
  params.count = kFaults;
  const FaultList list = generate_fault_list(fault_sites(graph), params);
  c.faults_csv = format_fault_list(list);
  EngineOptions options;
  options.threads = 2;
  options.mode = CampaignMode::Fast;
  CampaignEngine engine(graph, images, options);
  std::vector<ResolvedFault> resolved;
  for (const Fault& f : list.faults) resolved.push_back(resolve_fault(graph, f));
  std::vector<FaultCounts> counts;
  EXPECT_TRUE(engine.run(resolved, counts));
  // The golden logits of the campaign's own golden pass (what each fault is classified
  // against): asked before run(), they would cost a second pass over the 200 images.
  c.logits = engine.golden_logits();
  c.results_csv = format_results_csv(list.faults, counts, images.size());
  return c;
}

class OnnxZooCampaign : public ::testing::TestWithParam<ZooExport> {};

TEST_P(OnnxZooCampaign, ParametersLogitsAndResultsCsvOfTheBuiltInModel) {
  REQUIRE_ZOO_EXPORTS();
  const ZooExport& e = GetParam();
  const std::filesystem::path dir = fx.root / e.key();
  const Graph imported = import_onnx(dir / "model.onnx");
  Graph zoo = build_model(e.model, e.dataset);
  load_state_dict(zoo, read_checkpoint(dir / "weights.safetensors", zoo));

  ASSERT_EQ(imported.params.size(), zoo.params.size());
  for (size_t i = 0; i < zoo.params.size(); ++i) {
    SCOPED_TRACE(zoo.params[i].name);
    ASSERT_EQ(imported.params[i].name, zoo.params[i].name);
    ASSERT_EQ(imported.params[i].shape, zoo.params[i].shape);
  }
  ASSERT_EQ(imported.input_shape, zoo.input_shape);

  const ImageSet images = random_images(e.dataset, zoo.input_shape);
  const Campaign want = run_campaign_on(zoo, images);
  const Campaign got = run_campaign_on(imported, images);
  ASSERT_EQ(want.logits.size(), size_t(kImages) * size_t(zoo.classes));
  ASSERT_EQ(got.logits.size(), want.logits.size());
  size_t differ = 0;
  for (size_t k = 0; k < want.logits.size(); ++k)
    differ += std::memcmp(&want.logits[k], &got.logits[k], sizeof(float)) != 0;
  EXPECT_EQ(differ, 0u) << "logits not bitwise equal";
  EXPECT_EQ(got.faults_csv, want.faults_csv);
  EXPECT_EQ(std::count(want.results_csv.begin(), want.results_csv.end(), '\n'), kFaults + 1);
  EXPECT_EQ(got.results_csv, want.results_csv);
}

INSTANTIATE_TEST_SUITE_P(Exports, OnnxZooCampaign, ::testing::ValuesIn(testing::zoo_campaign_exports()),
                         [](const ::testing::TestParamInfo<ZooExport>& i) { return i.param.key(); });

}  // namespace
}  // namespace faultbench
