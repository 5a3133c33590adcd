// The three reference checkpoints of dnn-benchmarks (legacy format, FAULTBENCH_DATA):
// keys, shapes and every value bit-identical to what /usr/bin/python3's torch.load gives.
#include <bit>
#include <cstdlib>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "faultbench/io/checkpoint.h"
#include "io_test_util.h"

namespace faultbench {
namespace {

struct Ref {
  const char* file;
  int blocks;  // per stage
};
constexpr Ref kRefs[] = {{"ResNet20.th", 3}, {"ResNet32.th", 5}, {"ResNet44.th", 7}};

TEST(ReferenceWeights, KeysAndShapes) {
  FAULTBENCH_REQUIRE_DATA(data);
  for (const Ref& r : kRefs) {
    SCOPED_TRACE(r.file);
    const StateDict sd = read_checkpoint(data / "weights/cifar10" / r.file);
    // conv1 + bn1 (4) + 3 stages x blocks x (2 conv + 2 bn x 4) + linear (2); no num_batches_tracked.
    EXPECT_EQ(sd.entries.size(), size_t(1 + 4 + 3 * r.blocks * 10 + 2));
    ASSERT_FALSE(sd.entries.empty());
    EXPECT_EQ(sd.entries.front().key, "module.conv1.weight");
    EXPECT_EQ(sd.entries.front().shape, (Shape{16, 3, 3, 3}));
    const StateDictEntry* lw = sd.find("module.linear.weight");
    ASSERT_NE(lw, nullptr);
    EXPECT_EQ(lw->shape, (Shape{10, 64}));
    const StateDictEntry* c = sd.find("module.layer3.0.conv1.weight");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->shape, (Shape{64, 32, 3, 3}));
    for (const StateDictEntry& e : sd.entries) {
      EXPECT_EQ(e.dtype, "float32") << e.key;
      EXPECT_EQ(e.key.rfind("module.", 0), 0u) << e.key;
      EXPECT_EQ(e.value.data.size(), size_t(numel(e.shape))) << e.key;
      EXPECT_EQ(e.key.find("num_batches_tracked"), std::string::npos);
    }
  }
}

TEST(ReferenceWeights, ValuesMatchTorchLoad) {
  FAULTBENCH_REQUIRE_DATA(data);
  if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 with torch is not available";
  const auto dir = testing::make_temp_dir("refweights");
  // torch.load writes, per file, keys/shapes as JSON and all values as raw float32.
  const std::string script = R"PY(
import json, sys, torch
src, out = sys.argv[1], sys.argv[2]
for name in sys.argv[3:]:
    ck = torch.load(f"{src}/{name}", map_location="cpu")
    sd = ck["state_dict"]
    with open(f"{out}/{name}.bin", "wb") as f:
        for v in sd.values():
            f.write(v.detach().float().contiguous().numpy().tobytes())
    json.dump({"keys": list(sd.keys()), "shapes": [list(v.shape) for v in sd.values()],
               "best_prec1": ck["best_prec1"]}, open(f"{out}/{name}.json", "w"))
)PY";
  { std::ofstream(dir / "dump.py") << script; }
  const std::string cmd = "/usr/bin/python3 " + (dir / "dump.py").string() + " " + (data / "weights/cifar10").string() +
                          " " + dir.string() + " ResNet20.th ResNet32.th ResNet44.th";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  for (const Ref& r : kRefs) {
    SCOPED_TRACE(r.file);
    const StateDict sd = read_checkpoint(data / "weights/cifar10" / r.file);
    std::ifstream js(dir / (std::string(r.file) + ".json"));
    const auto want = nlohmann::json::parse(js);
    const std::vector<uint8_t> raw = testing::read_bytes(dir / (std::string(r.file) + ".bin"));
    ASSERT_EQ(want["keys"].size(), sd.entries.size());
    size_t at = 0;
    for (size_t i = 0; i < sd.entries.size(); ++i) {
      const StateDictEntry& e = sd.entries[i];
      EXPECT_EQ(e.key, want["keys"][i].get<std::string>());
      EXPECT_EQ(e.shape, want["shapes"][i].get<Shape>());
      const size_t n = e.value.data.size();
      ASSERT_LE(at + n * 4, raw.size());
      EXPECT_EQ(std::memcmp(raw.data() + at, e.value.data.data(), n * 4), 0) << e.key;
      at += n * 4;
    }
    EXPECT_EQ(at, raw.size());
  }
}

}  // namespace
}  // namespace faultbench
