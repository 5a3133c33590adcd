// The fault list sidecar: written by `faultlist`, read back by campaigns; bound to the
// list's bytes by sha256, malformed ones refused with the file named.
#include "faultbench/faults/list_sidecar.h"

#include <gtest/gtest.h>

#include <fstream>

#include "faultbench/error.h"
#include "faultbench/zoo/zoo.h"
#include "test_support.h"

namespace faultbench {
namespace {

void write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

FaultListSidecar example() {
  const std::vector<WeightSite> sites = fault_sites(build_model("resnet20", "cifar10"));
  FaultListSidecar s;
  s.model = "resnet20";
  s.dataset = "cifar10";
  s.convention = "torch";
  s.fault_model = "bitflip";
  s.params.seed = 7;
  s.params.count = 40;
  s.plan = plan_sample(sites, s.params);
  s.faults = 40;
  s.list_sha256 = std::string(64, 'a');
  return s;
}

TEST(FaultListSidecar, RoundTripsWhatACampaignNeeds) {
  const auto dir = testing::make_temp_dir("list-sidecar");
  const FaultListSidecar s = example();
  write(fault_list_sidecar_path(dir / "l.csv"), fault_list_sidecar_json(s));
  const FoundListSidecar found = find_fault_list_sidecar(dir / "l.csv", s.list_sha256);
  ASSERT_TRUE(found.sidecar.has_value()) << found.note;
  EXPECT_EQ(found.sidecar->model, "resnet20");
  EXPECT_EQ(found.sidecar->params.seed, 7);
  ASSERT_TRUE(found.sidecar->params.count.has_value());
  EXPECT_EQ(*found.sidecar->params.count, 40);
  EXPECT_EQ(found.sidecar->plan.population, s.plan.population);
  EXPECT_EQ(found.sidecar->plan.weights, 268336);
  EXPECT_EQ(found.sidecar->plan.population, 268336LL * 64);
}

TEST(FaultListSidecar, AbsentIsNothingAndOtherBytesAreANote) {
  const auto dir = testing::make_temp_dir("list-sidecar");
  EXPECT_FALSE(find_fault_list_sidecar(dir / "none.csv", "x").sidecar.has_value());
  EXPECT_TRUE(find_fault_list_sidecar(dir / "none.csv", "x").note.empty());
  const FaultListSidecar s = example();
  write(fault_list_sidecar_path(dir / "l.csv"), fault_list_sidecar_json(s));
  const FoundListSidecar edited = find_fault_list_sidecar(dir / "l.csv", std::string(64, 'b'));
  EXPECT_FALSE(edited.sidecar.has_value());
  EXPECT_EQ(edited.note,
            "l.csv.json was written for other list bytes (the list was edited after it was drawn); its sampling "
            "parameters are not used");
}

TEST(FaultListSidecar, MalformedIsAnErrorNamingTheFile) {
  const auto dir = testing::make_temp_dir("list-sidecar");
  const auto side = fault_list_sidecar_path(dir / "l.csv");
  write(side, "{not json");
  try {
    find_fault_list_sidecar(dir / "l.csv", "x");
    FAIL() << "accepted";
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), side.string() + ": not a fault list sidecar (not a JSON object)");
  }
  // 100,000 nested arrays: refused by depth, not by a stack overflow.
  write(side, std::string(100000, '[') + std::string(100000, ']'));
  try {
    find_fault_list_sidecar(dir / "l.csv", "x");
    FAIL() << "accepted";
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), side.string() + ": JSON nested deeper than 16 levels (the limit)");
  }
  write(side, R"({"model": "resnet20", "dataset": 3})");
  try {
    find_fault_list_sidecar(dir / "l.csv", "x");
    FAIL() << "accepted";
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), side.string() + ": field 'dataset' has the wrong type");
  }
}

}  // namespace
}  // namespace faultbench
