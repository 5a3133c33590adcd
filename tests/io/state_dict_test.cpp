// Strict matching of a StateDict against a graph: every problem names the key and shapes.
#include <gtest/gtest.h>

#include "faultbench/io/checkpoint.h"
#include "io_test_util.h"

namespace faultbench {
namespace {

using testing::expect_format_error;

StateDict tiny_sd() { return read_checkpoint(testing::fixture("tiny_model.pt")); }

StateDictEntry* find(StateDict& sd, const std::string& key) {
  for (auto& e : sd.entries)
    if (e.key == key) return &e;
  return nullptr;
}

TEST(StateDictLoad, MissingKey) {
  StateDict sd = tiny_sd();
  sd.source = "ResNet20.th";
  sd.entries.erase(sd.entries.begin() + 1);  // bn1.weight
  Graph g = testing::tiny_graph();
  expect_format_error([&] { load_state_dict(g, sd); }, {"ResNet20.th", "'bn1.weight' is missing", "[4]"});
}

TEST(StateDictLoad, UnexpectedKey) {
  StateDict sd = tiny_sd();
  StateDictEntry extra = sd.entries[0];
  extra.key = "module.layer9.conv.weight";
  sd.entries.push_back(extra);
  Graph g = testing::tiny_graph();
  expect_format_error([&] { load_state_dict(g, sd); },
                      {"tiny_model.pt", "unexpected state_dict key 'module.layer9.conv.weight'"});
}

TEST(StateDictLoad, WrongShapeNamesBothShapes) {
  StateDict sd = tiny_sd();
  StateDictEntry* e = find(sd, "bn1.weight");
  ASSERT_NE(e, nullptr);
  e->shape = {32};
  e->value = Tensor(Shape{32});
  Graph g = testing::tiny_graph();
  expect_format_error([&] { load_state_dict(g, sd); },
                      {"tiny_model.pt: state_dict key 'bn1.weight': expected shape [4], found [32]"});
}

TEST(StateDictLoad, NothingChangesOnError) {
  StateDict sd = tiny_sd();
  find(sd, "fc.weight")->shape = {4, 2};
  Graph g = testing::tiny_graph();
  EXPECT_THROW(load_state_dict(g, sd), FormatError);
  for (const Param& p : g.params)
    for (float v : p.value.data) ASSERT_EQ(v, 0.0f) << p.name;
}

TEST(StateDictLoad, IntegerTensorForAWeightIsRefused) {
  StateDict sd = tiny_sd();
  StateDictEntry* e = find(sd, "fc.bias");
  e->dtype = "int64";
  e->value = Tensor();
  Graph g = testing::tiny_graph();
  expect_format_error([&] { load_state_dict(g, sd); }, {"'fc.bias'", "expected a floating tensor, found int64"});
}

TEST(StateDictLoad, MissingNumBatchesTrackedIsAllowed) {
  StateDict sd = tiny_sd();
  std::erase_if(sd.entries, [](const StateDictEntry& e) { return e.key == "bn1.num_batches_tracked"; });
  Graph g = testing::tiny_graph();
  load_state_dict(g, sd);
  EXPECT_EQ(g.params[g.find_param("bn1.running_mean").value()].value.data, find(sd, "bn1.running_mean")->value.data);
}

TEST(StateDictLoad, DuplicateAfterPrefixStrip) {
  StateDict sd = tiny_sd();
  StateDictEntry dup = sd.entries[0];
  dup.key = "module." + dup.key;
  sd.entries.push_back(dup);
  Graph g = testing::tiny_graph();
  expect_format_error([&] { load_state_dict(g, sd); }, {"'conv1.weight' appears twice"});
}

}  // namespace
}  // namespace faultbench
