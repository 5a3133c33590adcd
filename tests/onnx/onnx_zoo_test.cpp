// Zoo models exported from their PyTorch definitions (tools/reference_models.py) to ONNX,
// unfolded (tools/export_onnx.py: training=PRESERVE, do_constant_folding=False), and imported:
// the same parameters (names, shapes, order, values) as the built-in model loaded with the
// same weights, bitwise equal logits, and through the CLI the same fault list, the same eval
// and a byte-identical RESULTS.csv. Opsets 11, 13 and 17; ResNet20 (F.pad's shape arithmetic
// folded, option-A shortcut), MobileNetV2 (depthwise), DenseNet121 (Concat).
// Skipped when /usr/bin/python3 cannot import torch.
#include <algorithm>
#include <cstdlib>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "faultbench/executor.h"
#include "faultbench/io/checkpoint.h"
#include "faultbench/io/state_dict.h"
#include "faultbench/onnx/import.h"
#include "faultbench/zoo/zoo.h"
#include "test_support.h"
#include "zoo_exports.h"

namespace faultbench {
namespace {

using testing::ZooExport;

class OnnxZoo : public ::testing::TestWithParam<ZooExport> {};

TEST_P(OnnxZoo, SameParametersAndBitwiseLogitsAsTheBuiltInModel) {
  REQUIRE_ZOO_EXPORTS();
  const ZooExport& e = GetParam();
  const std::filesystem::path dir = fx.root / e.key();
  const Graph imported = import_onnx(dir / "model.onnx");
  Graph zoo = build_model(e.model, e.dataset);
  load_state_dict(zoo, read_checkpoint(dir / "weights.safetensors", zoo));

  ASSERT_EQ(imported.params.size(), zoo.params.size());
  for (size_t i = 0; i < zoo.params.size(); ++i) {
    SCOPED_TRACE(zoo.params[i].name);
    EXPECT_EQ(imported.params[i].name, zoo.params[i].name);
    EXPECT_EQ(imported.params[i].shape, zoo.params[i].shape);
    EXPECT_EQ(imported.params[i].role, zoo.params[i].role);
    EXPECT_TRUE(bitwise_equal(imported.params[i].value, zoo.params[i].value));
  }
  EXPECT_EQ(imported.input_shape, zoo.input_shape);
  EXPECT_EQ(imported.classes, zoo.classes);
  EXPECT_EQ(imported.macs_per_image(), zoo.macs_per_image());
  EXPECT_TRUE(onnx_graph_warnings(imported).empty());

  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  Tensor images({2, zoo.input_shape.c, zoo.input_shape.h, zoo.input_shape.w});
  for (float& v : images.data) v = normal(rng);
  Executor a(zoo), b(imported);
  const Tensor want = a.forward(images), got = b.forward(images);
  EXPECT_TRUE(bitwise_equal(want, got));
}

INSTANTIATE_TEST_SUITE_P(Exports, OnnxZoo, ::testing::ValuesIn(testing::zoo_exports()),
                         [](const ::testing::TestParamInfo<ZooExport>& i) { return i.param.key(); });

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A CIFAR-10 test file of random images (the reader wants all 10,000 records).
std::filesystem::path random_cifar(const std::filesystem::path& root) {
  const std::filesystem::path data = root / "data";
  std::filesystem::create_directories(data / "cifar-10-batches-bin");
  std::mt19937 rng(5);
  std::string bytes(size_t(10000) * 3073, '\0');
  for (size_t r = 0; r < 10000; ++r) {
    bytes[r * 3073] = char(rng() % 10);
    for (size_t i = 1; i < 3073; ++i) bytes[r * 3073 + i] = char(rng() & 0xff);
  }
  std::ofstream(data / "cifar-10-batches-bin" / "test_batch.bin", std::ios::binary) << bytes;
  return data;
}

TEST(OnnxCli, FaultListEvalAndCampaignAreThoseOfTheBuiltInModel) {
  REQUIRE_ZOO_EXPORTS();
  const std::filesystem::path dir = fx.root / "cifar10_resnet20_13", out = testing::make_temp_dir("onnx-cli");
  const std::string onnx = (dir / "model.onnx").string(), weights = (dir / "weights.safetensors").string();
  const std::string data = random_cifar(out).string();
  const std::string zoo_model = "--model resnet20 --dataset cifar10";
  const std::string onnx_model = "--model '" + onnx + "' --dataset cifar10";

  // The same sampler over the same sites: the same list.
  for (const auto& [model, name] : {std::pair{zoo_model, "zoo"}, std::pair{onnx_model, "onnx"}}) {
    const auto r =
        testing::run_faultbench("faultlist " + model + " --count 30 --out '" + (out / name).string() + ".csv'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  EXPECT_EQ(slurp(out / "zoo.csv"), slurp(out / "onnx.csv"));

  const std::string images = " --data-dir '" + data + "' --images 20";
  const auto eval_zoo = testing::run_faultbench("eval " + zoo_model + " --weights '" + weights + "'" + images +
                                                " --logits '" + (out / "zoo_logits.csv").string() + "'");
  const auto eval_onnx =
      testing::run_faultbench("eval " + onnx_model + images + " --logits '" + (out / "onnx_logits.csv").string() + "'");
  ASSERT_EQ(eval_zoo.exit_code, 0) << eval_zoo.err;
  ASSERT_EQ(eval_onnx.exit_code, 0) << eval_onnx.err;
  EXPECT_EQ(slurp(out / "zoo_logits.csv"), slurp(out / "onnx_logits.csv"));

  const auto a = testing::run_faultbench("campaign " + zoo_model + " --weights '" + weights + "' --faults '" +
                                         (out / "zoo.csv").string() + "' --out '" + (out / "zoo_results.csv").string() +
                                         "'" + images + " --threads 1");
  const auto b =
      testing::run_faultbench("campaign " + onnx_model + " --faults '" + (out / "onnx.csv").string() + "' --out '" +
                              (out / "onnx_results.csv").string() + "'" + images + " --threads 1");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(slurp(out / "zoo_results.csv"), slurp(out / "onnx_results.csv"));
  EXPECT_NE(slurp(out / "onnx_results.csv.json").find("\"model_sha256\""), std::string::npos);

  // The same name, other bytes (opset 11): its results are not those of this file.
  const std::filesystem::path other = out / "other";
  std::filesystem::create_directories(other);
  std::filesystem::copy_file(fx.root / "cifar10_resnet20_11" / "model.onnx", other / "model.onnx");
  const auto c = testing::run_faultbench("campaign --model '" + (other / "model.onnx").string() +
                                         "' --dataset cifar10 --faults '" + (out / "onnx.csv").string() + "' --out '" +
                                         (out / "onnx_results.csv").string() + "'" + images);
  EXPECT_NE(c.exit_code, 0);
  EXPECT_NE(c.err.find("the model file (sha256) changed"), std::string::npos) << c.err;
}

TEST(OnnxCli, ModelsPrintsTheImportedGraph) {
  REQUIRE_ZOO_EXPORTS();
  const auto r = testing::run_faultbench("models '" + (fx.root / "cifar10_resnet20_13" / "model.onnx").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("layer1.0.conv1.weight"), std::string::npos);
  EXPECT_NE(r.out.find("MACs/image: 40551040"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");
}

}  // namespace
}  // namespace faultbench
