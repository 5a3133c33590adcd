// The Keras convention: names by traversal order, index permutations, and the conversion
// of all 15 published torch lists to the published Keras lists and back.
#include "faultbench/faults/keras.h"

#include <gtest/gtest.h>

#include "fault_fixtures.h"
#include "faultbench/error.h"
#include "faultbench/faults/fault_list_csv.h"
#include "faultbench/faults/validate.h"
#include "test_support.h"

namespace faultbench {
namespace {

TEST(Keras, NamesAndShapesByTraversalOrder) {
  const std::vector<WeightSite> torch = {{"conv1", {16, 3, 3, 5}},
                                         {"dw", {16, 1, 3, 3}},
                                         {"fc1", {100, 64}},
                                         {"conv2", {8, 16, 1, 1}},
                                         {"fc2", {10, 100}}};
  const std::vector<WeightSite> keras = keras_sites(torch);
  const std::vector<WeightSite> expected = {{"conv2d", {3, 5, 3, 16}},
                                            {"conv2d_1", {3, 3, 1, 16}},
                                            {"dense", {64, 100}},
                                            {"conv2d_2", {1, 1, 16, 8}},
                                            {"dense_1", {100, 10}}};
  EXPECT_EQ(keras, expected);
  EXPECT_THROW(keras_sites({{"odd", {2, 2, 2}}}), UsageError);
}

TEST(Keras, IndexPermutationsAreInverse) {
  EXPECT_EQ(keras_index({3, 0, 2, 1}), (std::vector<int64_t>{2, 1, 0, 3}));  // (o,i,h,w) -> (h,w,i,o)
  EXPECT_EQ(keras_index({7, 36}), (std::vector<int64_t>{36, 7}));
  EXPECT_EQ(torch_index({2, 1, 0, 3}), (std::vector<int64_t>{3, 0, 2, 1}));
  EXPECT_EQ(torch_index(keras_index({5, 6, 7, 8})), (std::vector<int64_t>{5, 6, 7, 8}));
}

TEST(Keras, ConvertKeepsInjectionBitAndModel) {
  const std::vector<WeightSite> torch = {{"conv1", {16, 3, 3, 3}}, {"linear", {10, 64}}};
  FaultList list;
  list.faults.push_back(Fault{4, {"linear", {7, 36}, 9}, FaultModel::StuckAt0});
  FaultList k = to_keras(list, torch);
  EXPECT_EQ(k.faults[0], (Fault{4, {"dense", {36, 7}, 9}, FaultModel::StuckAt0}));
  EXPECT_EQ(to_torch(k, torch).faults, list.faults);
  list.faults[0].site.layer = "nope";
  EXPECT_THROW(to_keras(list, torch), FormatError);
}

// Every published torch list converts to the published Keras list byte for byte (the
// Keras lists carry no result columns), and every Keras list converts back to the torch
// rows. Sites from models.json, so this test does not depend on the zoo.
TEST(Keras, PublishedListsConvertBothWays) {
  FAULTBENCH_REQUIRE_DATA(data);
  for (const auto& pub : testing::published_lists()) {
    SCOPED_TRACE(pub.model + "/" + pub.dataset);
    const std::vector<WeightSite> sites = testing::json_sites(data, pub.reference, pub.dir);
    ASSERT_FALSE(sites.empty());
    const FaultList torch = load_fault_list(testing::torch_list_path(data, pub), sites, Convention::Torch);
    const std::string keras_text = testing::read_text(testing::keras_list_path(data, pub));
    EXPECT_EQ(format_fault_list(to_keras(torch, sites), WriteOptions{.results = false}), keras_text);
    const FaultList keras = load_fault_list(testing::keras_list_path(data, pub), sites, Convention::Keras);
    EXPECT_EQ(keras.faults, torch.faults);
  }
}

}  // namespace
}  // namespace faultbench
