// Zip and legacy torch.save checkpoints: the fixtures of tools/make_checkpoint_fixtures.py
// load with exactly the values torch.load gives; damaged files fail with a FormatError.
#include <bit>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "faultbench/io/checkpoint.h"
#include "io_test_util.h"

namespace faultbench {
namespace {

using testing::expect_format_error;
using namespace std::string_literals;
using testing::fixture;
using testing::read_bytes;
using testing::write_bytes;

nlohmann::ordered_json expected() {
  std::ifstream in(fixture("expected.json"));
  return nlohmann::ordered_json::parse(in);
}

// Every entry of `sd` equals the description in expected.json (same order, bit-exact).
void expect_matches(const StateDict& sd, const nlohmann::ordered_json& want, const std::string& prefix = "") {
  ASSERT_EQ(sd.entries.size(), want.size()) << sd.source;
  size_t i = 0;
  for (const auto& [key, w] : want.items()) {
    const StateDictEntry& e = sd.entries[i++];
    EXPECT_EQ(e.key, prefix + key);
    EXPECT_EQ(e.dtype, w["dtype"].get<std::string>()) << key;
    EXPECT_EQ(e.shape, w["shape"].get<Shape>()) << key;
    if (w.contains("bits")) {
      const auto bits = w["bits"].get<std::vector<uint32_t>>();
      ASSERT_EQ(e.value.data.size(), bits.size()) << key;
      EXPECT_EQ(e.value.shape, e.shape);
      for (size_t k = 0; k < bits.size(); ++k)
        EXPECT_EQ(std::bit_cast<uint32_t>(e.value.data[k]), bits[k]) << key << "[" << k << "]";
    } else {
      EXPECT_TRUE(e.value.data.empty()) << key;
    }
  }
}

TEST(TorchZip, PlainDictMatchesTorchLoad) {
  const StateDict sd = read_checkpoint(fixture("zip_plain.pt"));
  EXPECT_EQ(sd.source, "zip_plain.pt");
  expect_matches(sd, expected()["plain"]);
  // The views: fc.weight is the transpose of a [3,5] tensor, fc.bias = big[4:7].
  const StateDictEntry* fc = sd.find("fc.bias");
  ASSERT_NE(fc, nullptr);
  EXPECT_EQ(fc->value.data, (std::vector<float>{1.0f, 1.25f, 1.5f}));
}

TEST(TorchLegacy, PlainDictMatchesTorchLoad) {
  const StateDict sd = read_checkpoint(fixture("legacy_plain.th"));
  expect_matches(sd, expected()["plain"]);
}

TEST(TorchZip, Protocol4PickleMatchesTorchLoad) {
  expect_matches(read_checkpoint(fixture("zip_proto4.pt")), expected()["plain"]);
}

TEST(TorchZip, ParameterValuesAreTensors) {
  // dict(model.named_parameters()): values pickled through torch._utils._rebuild_parameter.
  const StateDict sd = read_checkpoint(fixture("zip_params.pt"));
  expect_matches(sd, expected()["params"]);
}

TEST(TorchZip, ModelStateDictLoadsIntoGraph) {
  Graph g = testing::tiny_graph();
  const StateDict sd = read_checkpoint(fixture("tiny_model.pt"));
  expect_matches(sd, expected()["tiny"]);
  load_state_dict(g, sd);
  EXPECT_EQ(g.params[0].value.data, sd.find("conv1.weight")->value.data);
  EXPECT_EQ(g.params[g.find_param("bn1.running_var").value()].value.data, sd.find("bn1.running_var")->value.data);
}

TEST(TorchZip, WrappedDictWithModulePrefix) {
  const StateDict sd = read_checkpoint(fixture("zip_wrapped.pt"));  // {'epoch', 'best_acc', 'net': {...}}
  expect_matches(sd, expected()["tiny"], "module.");
  Graph g = testing::tiny_graph();
  load_state_dict(g, sd);
  EXPECT_EQ(g.params[g.find_param("fc.bias").value()].value.data, sd.find("module.fc.bias")->value.data);
}

TEST(TorchLegacy, WrappedDictWithModulePrefix) {
  const StateDict sd = read_checkpoint(fixture("legacy_wrapped.th"));  // {'best_prec1', 'state_dict': {...}}
  expect_matches(sd, expected()["tiny"], "module.");
  Graph g = testing::tiny_graph();
  load_state_dict(g, sd);
}

TEST(TorchZip, PickleNamingOsSystemIsRefused) {
  expect_format_error([] { read_checkpoint(fixture("evil_global.pt")); },
                      {"evil_global.pt", "data.pkl", "pickle offset 2", "global 'os.system' is not allowed"});
}

TEST(TorchLegacy, PickleNamingOsSystemIsRefused) {
  // The legacy header of legacy_plain.th, then a pickle calling os.system.
  std::vector<uint8_t> file = read_bytes(fixture("legacy_plain.th"));
  file.resize(137);  // magic, protocol and sys_info pickles (see pickletools.dis)
  ASSERT_EQ(file.back(), '.');
  const std::string evil(
      "\x80\x02"
      "cos\nsystem\n"
      "X\x02\x00\x00\x00ls\x85R.",
      23);
  file.insert(file.end(), evil.begin(), evil.end());
  auto dir = testing::make_temp_dir("legacy-evil");
  write_bytes(dir / "evil.th", file);
  expect_format_error([&] { read_checkpoint(dir / "evil.th"); }, {"evil.th", "pickle offset 139", "'os.system'"});
}

TEST(TorchLegacy, WrongMagicIsRefused) {
  std::vector<uint8_t> file = read_bytes(fixture("legacy_plain.th"));
  auto dir = testing::make_temp_dir("legacy-magic");
  file[5] ^= 0x01;  // inside the magic number: still sniffed as legacy
  write_bytes(dir / "magic.th", file);
  expect_format_error([&] { read_checkpoint(dir / "magic.th"); }, {"magic.th", "bad magic number"});
  file[0] = 'Z';  // not even a pickle
  write_bytes(dir / "junk.pt", file);
  expect_format_error([&] { read_checkpoint(dir / "junk.pt"); }, {"junk.pt", "unknown checkpoint format"});
  write_bytes(dir / "empty.pt", {});
  expect_format_error([&] { read_checkpoint(dir / "empty.pt"); }, {"empty.pt", "unknown checkpoint format"});
}

TEST(TorchLegacy, HugeStorageSizeIsRefused) {
  // Rewrite the numel in front of the first raw storage to 2^62 elements.
  std::vector<uint8_t> file = read_bytes(fixture("legacy_wrapped.th"));
  const StateDict ok = read_checkpoint(fixture("legacy_wrapped.th"));
  // The raw storages follow the key-list pickle; find the first numel (108 = 4*3*3*3) field.
  const int64_t want = 108;
  size_t at = 0;
  for (size_t k = 0; k + 8 <= file.size(); ++k)
    if (std::memcmp(file.data() + k, &want, 8) == 0) at = k;
  ASSERT_GT(at, 0u);
  const int64_t huge = int64_t(1) << 62;
  std::memcpy(file.data() + at, &huge, 8);
  auto dir = testing::make_temp_dir("legacy-huge");
  write_bytes(dir / "huge.th", file);
  expect_format_error([&] { read_checkpoint(dir / "huge.th"); }, {"huge.th", "elements"});
}

// Every truncation of a fixture must fail cleanly (FormatError naming the file).
void check_truncations(const std::string& name, size_t step) {
  const std::vector<uint8_t> file = read_bytes(fixture(name));
  auto dir = testing::make_temp_dir("trunc");
  const auto path = dir / ("cut_" + name);
  for (size_t n = 0; n < file.size(); n += step) {
    write_bytes(path, std::vector<uint8_t>(file.begin(), file.begin() + std::ptrdiff_t(n)));
    SCOPED_TRACE(name + " truncated to " + std::to_string(n));
    expect_format_error([&] { read_checkpoint(path); }, {"cut_" + name});
  }
}

TEST(TorchZip, TruncatedFilesFailCleanly) { check_truncations("zip_plain.pt", 7); }
TEST(TorchLegacy, TruncatedFilesFailCleanly) { check_truncations("legacy_plain.th", 1); }

// Random byte corruption: either it still loads or it is a FormatError; never a crash,
// never another exception type.
void check_corruptions(const std::string& name, int rounds) {
  const std::vector<uint8_t> file = read_bytes(fixture(name));
  auto dir = testing::make_temp_dir("corrupt");
  const auto path = dir / name;
  std::mt19937 rng(7);
  int rejected = 0;
  for (int r = 0; r < rounds; ++r) {
    std::vector<uint8_t> bad = file;
    const int flips = 1 + int(rng() % 4);
    for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] = uint8_t(rng());
    write_bytes(path, bad);
    try {
      read_checkpoint(path);
    } catch (const FormatError& e) {
      ++rejected;
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
  EXPECT_GT(rejected, 0);
}

TEST(TorchZip, CorruptedBytesFailCleanly) { check_corruptions("zip_plain.pt", 400); }
TEST(TorchLegacy, CorruptedBytesFailCleanly) { check_corruptions("legacy_plain.th", 400); }

}  // namespace
}  // namespace faultbench
