// Reading tensors from their storages in one front-to-back pass (src/io/storage_gather.cpp),
// and reading only what a model needs (read_checkpoint(path, model)).
#include <gtest/gtest.h>

#include <cstring>

#include "faultbench/error.h"
#include "faultbench/io/checkpoint.h"
#include "robustness/hostile_files.h"
#include "test_support.h"

namespace faultbench {
namespace {

namespace h = robustness::hostile;

std::string floats(int n) {
  std::string s(size_t(n) * 4, '\0');
  for (int i = 0; i < n; ++i) {
    const float v = float(i);
    std::memcpy(s.data() + 4 * i, &v, 4);
  }
  return s;
}

// _rebuild_tensor_v2 with explicit strides.
std::string view(const std::string& storage, int64_t offset, const Shape& size, const Shape& stride) {
  return "ctorch._utils\n_rebuild_tensor_v2\n(" + storage + h::integer(offset) + h::int_tuple(size) +
         h::int_tuple(stride) + "\x89" + "ccollections\nOrderedDict\n)R" + "tR";
}

TEST(StorageViews, OverlappingExpandedAndTransposedViewsReadTheRightElements) {
  // Storage 0..11; views: overlapping windows s[i + j] (staged), an expand (stride 0),
  // a transpose, and a strided slice read backwards in dimension order.
  const std::string s = h::float_storage("0", 12) + "q\x01";
  const std::string p = "\x80\x02}(" + h::str("windows") + view(s, 0, {3, 3}, {1, 1}) + h::str("expand") +
                        view("h\x01", 2, {2, 3}, {0, 1}) + h::str("transpose") + view("h\x01", 0, {3, 4}, {1, 3}) +
                        h::str("slice") + view("h\x01", 1, {2, 2}, {1, 6}) + "u.";
  const auto dir = testing::make_temp_dir("views");
  robustness::write_bytes(dir / "v.pt", h::torch_zip(p, {h::stored("archive/data/0", floats(12))}));
  const StateDict sd = read_checkpoint(dir / "v.pt");
  ASSERT_EQ(sd.entries.size(), 4u);
  EXPECT_EQ(sd.entries[0].value.data, (std::vector<float>{0, 1, 2, 1, 2, 3, 2, 3, 4}));
  EXPECT_EQ(sd.entries[1].value.data, (std::vector<float>{2, 3, 4, 2, 3, 4}));
  EXPECT_EQ(sd.entries[2].value.data, (std::vector<float>{0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11}));
  EXPECT_EQ(sd.entries[3].value.data, (std::vector<float>{1, 7, 2, 8}));
}

TEST(StorageViews, SelfOverlappingViewSpreadOverItsStorageIsRefused) {
  // 18 values spread over a million elements, in an order that goes back and forth.
  const std::string p =
      "\x80\x02}(" + h::str("w") + view(h::float_storage("0", 5 << 18), 0, {3, 3, 2}, {1, 1, 1000000}) + "u.";
  const auto dir = testing::make_temp_dir("views-spread");
  robustness::write_bytes(dir / "v.pt", h::torch_zip(p, {h::deflated_zeros("archive/data/0", 5)}));
  try {
    read_checkpoint(dir / "v.pt");
    FAIL() << "accepted";
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()),
              "v.pt: state_dict key 'w': tensor (offset 0, shape [3, 3, 2], stride [1, 1, 1000000]) revisits its "
              "storage out of order across 1000005 elements for 18 values (not supported)");
  }
}

TEST(StorageViews, WithAModelOnlyItsTensorsAreRead) {
  // A complete ResNet20 state dict plus an extra entry (a 1 GiB view of the storage).
  std::string p = h::model_state_dict("resnet20", "cifar10", h::kGiBFloats);
  p.resize(p.size() - 2);  // before SETITEMS and STOP
  p += h::str("extra") + h::tensor("h\x01", 0, {h::kGiBFloats}) + "u.";
  const auto dir = testing::make_temp_dir("views-model");
  robustness::write_bytes(dir / "m.pt", h::torch_zip(p, {h::deflated_zeros("archive/data/0", 1024)}));
  const Graph g = build_model("resnet20", "cifar10");
  const StateDict sd = read_checkpoint(dir / "m.pt", g);
  ASSERT_EQ(sd.entries.back().key, "extra");
  EXPECT_EQ(sd.entries.back().shape, (Shape{h::kGiBFloats}));
  EXPECT_TRUE(sd.entries.back().value.data.empty());
  EXPECT_EQ(sd.entries.front().key, "conv1.weight");
  EXPECT_EQ(sd.entries.front().value.data.size(), 432u);
  Graph loaded = build_model("resnet20", "cifar10");
  try {
    load_state_dict(loaded, sd);
    FAIL() << "accepted an unexpected key";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("unexpected state_dict key 'extra' (shape [268435456])"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace faultbench
