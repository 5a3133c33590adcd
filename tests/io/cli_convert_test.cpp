// `faultbench convert`: checkpoint -> safetensors through the CLI, strictly checked.
#include <cstdlib>
#include <random>

#include <sys/wait.h>

#include <gtest/gtest.h>

#include "faultbench/io/checkpoint.h"
#include "faultbench/io/safetensors.h"
#include "faultbench/zoo/zoo.h"
#include "io_test_util.h"

namespace faultbench {
namespace {

// Runs the CLI with `args`, returns its exit code; stdout+stderr go to `log`.
int run_cli(const std::string& args, const std::filesystem::path& log) {
  const std::string cmd = testing::cli_path().string() + " " + args + " >" + log.string() + " 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string slurp(const std::filesystem::path& p) {
  const auto b = testing::read_bytes(p);
  return {b.begin(), b.end()};
}

TEST(CliConvert, RandomWeightsRoundTrip) {
  Graph g = build_model("resnet20", "cifar10");
  std::mt19937 rng(3);
  std::normal_distribution<float> dist;
  for (Param& p : g.params)
    for (float& v : p.value.data) v = dist(rng);
  const auto dir = testing::make_temp_dir("cli-convert");
  write_safetensors(g, dir / "in.safetensors");
  ASSERT_EQ(run_cli("convert --model resnet20 --dataset cifar10 --weights " + (dir / "in.safetensors").string() +
                        " --out " + (dir / "out.safetensors").string(),
                    dir / "log"),
            0)
      << slurp(dir / "log");
  EXPECT_NE(slurp(dir / "log").find("converted in.safetensors"), std::string::npos) << slurp(dir / "log");
  Graph h = build_model("resnet20", "cifar10");
  load_state_dict(h, read_checkpoint(dir / "out.safetensors"));
  for (size_t i = 0; i < g.params.size(); ++i)
    EXPECT_TRUE(bitwise_equal(g.params[i].value, h.params[i].value)) << g.params[i].name;
  EXPECT_EQ(read_safetensors_metadata(dir / "out.safetensors").at("model"), "resnet20");

  // The wrong model is a data error (exit 1) naming a key; an unknown model a usage error (exit 2).
  EXPECT_EQ(run_cli("convert --model resnet32 --dataset cifar10 --weights " + (dir / "in.safetensors").string() +
                        " --out " + (dir / "bad.safetensors").string(),
                    dir / "log"),
            1);
  EXPECT_NE(slurp(dir / "log").find("in.safetensors: state_dict key 'layer1.3.conv1.weight' is missing"),
            std::string::npos)
      << slurp(dir / "log");
  EXPECT_FALSE(std::filesystem::exists(dir / "bad.safetensors"));
  EXPECT_EQ(run_cli("convert --model resnet99 --dataset cifar10 --weights " + (dir / "in.safetensors").string() +
                        " --out " + (dir / "bad.safetensors").string(),
                    dir / "log"),
            2);
}

TEST(CliConvert, ReferenceCheckpoint) {
  FAULTBENCH_REQUIRE_DATA(data);
  const auto dir = testing::make_temp_dir("cli-convert-ref");
  const auto th = data / "weights/cifar10/ResNet20.th";
  ASSERT_EQ(run_cli("convert --model resnet20 --dataset cifar10 --weights " + th.string() + " --out " +
                        (dir / "r20.safetensors").string(),
                    dir / "log"),
            0)
      << slurp(dir / "log");
  const StateDict ref = read_checkpoint(th);
  const StateDict st = read_checkpoint(dir / "r20.safetensors");
  for (const StateDictEntry& e : ref.entries) {
    const StateDictEntry* f = st.find(e.key.substr(7));  // "module." stripped
    ASSERT_NE(f, nullptr) << e.key;
    EXPECT_TRUE(bitwise_equal(e.value, f->value)) << e.key;
  }
}

}  // namespace
}  // namespace faultbench
