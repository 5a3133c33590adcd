// safetensors: round trip through write/read, interop with torch-made fixtures via the
// graph, and hostile headers refused with a FormatError naming the file.
#include <bit>
#include <cstring>

#include <gtest/gtest.h>

#include "faultbench/io/checkpoint.h"
#include "faultbench/io/safetensors.h"
#include "io_test_util.h"

namespace faultbench {
namespace {

using testing::expect_format_error;
using testing::fixture;

// A safetensors file from a header text and a data buffer.
std::vector<uint8_t> make_file(const std::string& header, const std::vector<uint8_t>& data, int64_t declared = -1) {
  std::vector<uint8_t> f(8);
  const uint64_t n = declared >= 0 ? uint64_t(declared) : header.size();
  for (int k = 0; k < 8; ++k) f[size_t(k)] = uint8_t(n >> (8 * k));
  f.insert(f.end(), header.begin(), header.end());
  f.insert(f.end(), data.begin(), data.end());
  return f;
}

TEST(Safetensors, RoundTripOfAGraph) {
  Graph g = testing::tiny_graph();
  load_state_dict(g, read_checkpoint(fixture("tiny_model.pt")));
  const auto dir = testing::make_temp_dir("st-roundtrip");
  write_safetensors(g, dir / "tiny.safetensors", {{"format", "pt"}, {"model", "tiny"}});

  const StateDict sd = read_checkpoint(dir / "tiny.safetensors");  // sniffed as safetensors
  ASSERT_EQ(sd.entries.size(), g.params.size());
  for (size_t i = 0; i < g.params.size(); ++i) {
    EXPECT_EQ(sd.entries[i].key, g.params[i].name);  // state_dict order kept
    EXPECT_EQ(sd.entries[i].shape, g.params[i].shape);
  }
  const StateDictEntry* nbt = sd.find("bn1.num_batches_tracked");
  ASSERT_NE(nbt, nullptr);
  EXPECT_EQ(nbt->dtype, "int64");
  EXPECT_EQ(nbt->shape, Shape{});
  EXPECT_EQ(read_safetensors_metadata(dir / "tiny.safetensors").at("model"), "tiny");

  Graph h = testing::tiny_graph();
  load_state_dict(h, sd);
  for (size_t i = 0; i < g.params.size(); ++i) EXPECT_TRUE(bitwise_equal(g.params[i].value, h.params[i].value));
  // The data buffer starts 8-byte aligned.
  const auto bytes = testing::read_bytes(dir / "tiny.safetensors");
  uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);
}

TEST(Safetensors, ReadsAllFloatDtypes) {
  // F64 1.5, F16 -2.0 (0xc000), BF16 0.5 (0x3f00), I64 7, in file order.
  std::vector<uint8_t> data(8 + 2 + 2 + 8, 0);
  const double d = 1.5;
  std::memcpy(data.data(), &d, 8);
  data[8] = 0x00, data[9] = 0xc0, data[10] = 0x00, data[11] = 0x3f, data[12] = 7;
  const std::string h = R"({"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},)"
                        R"("b":{"dtype":"F16","shape":[],"data_offsets":[8,10]},)"
                        R"("c":{"dtype":"BF16","shape":[1,1],"data_offsets":[10,12]},)"
                        R"("n":{"dtype":"I64","shape":[],"data_offsets":[12,20]},"__metadata__":{"k":"v"}})";
  const auto dir = testing::make_temp_dir("st-dtypes");
  testing::write_bytes(dir / "d.safetensors", make_file(h, data));
  const StateDict sd = read_safetensors(dir / "d.safetensors");
  ASSERT_EQ(sd.entries.size(), 4u);
  EXPECT_EQ(sd.entries[0].value.data, std::vector<float>{1.5f});
  EXPECT_EQ(sd.entries[1].value.data, std::vector<float>{-2.0f});
  EXPECT_EQ(sd.entries[2].value.data, std::vector<float>{0.5f});
  EXPECT_EQ(sd.entries[2].shape, (Shape{1, 1}));
  EXPECT_TRUE(sd.entries[3].value.data.empty());
}

TEST(Safetensors, HostileHeadersAreRefused) {
  const std::vector<uint8_t> data16(16, 0);
  const std::string ok_t = R"({"t":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  struct Case {
    std::vector<uint8_t> file;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{1, 2, 3}, "too short"},
      {make_file(ok_t, data16, int64_t(1) << 62), "exceeds"},
      {make_file(ok_t, data16, 99'000'000), "runs past the end of the file"},
      {make_file("{\"t\": [1, 2", data16), "not valid JSON"},
      {make_file("[1,2]", data16), "not a JSON object"},
      {make_file(R"({"t":{"dtype":"F32","shape":[4]}})", data16), "tensor 't'"},
      {make_file(R"({"t":{"dtype":"Q7","shape":[4],"data_offsets":[0,16]}})", data16), "unsupported dtype"},
      {make_file(R"({"t":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})", data16), "non-negative"},
      {make_file(R"({"t":{"dtype":"F32","shape":[4],"data_offsets":[0,32]}})", data16), "outside the data buffer"},
      {make_file(R"({"t":{"dtype":"F32","shape":[4],"data_offsets":[8,0]}})", data16), "outside the data buffer"},
      {make_file(R"({"t":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", data16), "needs 12"},
      {make_file(R"({"t":{"dtype":"F32","shape":[1000000000000,1000000000],"data_offsets":[0,16]}})", data16),
       "larger than the file"},
      {make_file(
           R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
           data16),
       "overlap"},
      {make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", data16), "tensors cover 8"},
      {make_file(R"({"__metadata__":{"k":1},"t":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", data16),
       "__metadata__ 'k' is not a string"},
  };
  const auto dir = testing::make_temp_dir("st-bad");
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto path = dir / ("bad" + std::to_string(i) + ".safetensors");
    testing::write_bytes(path, cases[i].file);
    SCOPED_TRACE(cases[i].message);
    expect_format_error([&] { read_safetensors(path); }, {path.filename().string(), cases[i].message});
  }
}

TEST(Safetensors, MissingFileIsAnIoError) {
  EXPECT_THROW(read_safetensors("/nonexistent/x.safetensors"), IoError);
  EXPECT_THROW(read_checkpoint("/nonexistent/x.pt"), IoError);
}

}  // namespace
}  // namespace faultbench
