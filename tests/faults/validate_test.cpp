#include "faultbench/faults/validate.h"

#include <gtest/gtest.h>

#include <sstream>

#include "faultbench/error.h"
#include "faultbench/faults/fault_list_csv.h"
#include "faultbench/util/atomic_file.h"
#include "test_support.h"

namespace faultbench {
namespace {

const std::vector<WeightSite> kSites = {
    {"conv1", {16, 3, 3, 3}}, {"layer1.0.conv1", {16, 16, 3, 3}}, {"linear", {10, 64}}};
const std::string kHeader = "Injection,Layer,TensorIndex,Bit\n";

std::string validation_error(const std::string& rows, const std::vector<WeightSite>& sites = kSites) {
  std::istringstream in(kHeader + rows);
  FaultList list = parse_fault_list(in, "m.csv");
  try {
    validate_fault_list(list, sites);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

TEST(ValidateFaultList, AcceptsAValidList) {
  EXPECT_EQ(validation_error("0,conv1,\"(15, 2, 2, 2)\",0\n1,linear,\"(9, 63)\",31\n2,conv1,\"(15, 2, 2, 2)\",1\n"),
            "");
}

TEST(ValidateFaultList, UnknownLayer) {
  EXPECT_EQ(validation_error("0,conv1,\"(0, 0, 0, 0)\",0\n1,conv9,\"(0, 0, 0, 0)\",0\n"),
            "m.csv:3: unknown layer 'conv9' (the model has 3 conv/linear layers: conv1, layer1.0.conv1, linear)");
}

TEST(ValidateFaultList, IndexRankAndRange) {
  EXPECT_EQ(validation_error("0,linear,\"(1, 2, 3)\",0\n"),
            "m.csv:2: index (1, 2, 3) has rank 3, layer 'linear' has rank 2 (shape [10, 64])");
  EXPECT_EQ(
      validation_error("0,conv1,\"(16, 0, 0, 0)\",0\n"),
      "m.csv:2: index (16, 0, 0, 0) out of range: entry 0 = 16 outside 0..15 (layer 'conv1' shape [16, 3, 3, 3])");
  EXPECT_EQ(validation_error("0,linear,\"(0, -1)\",0\n"),
            "m.csv:2: index (0, -1) out of range: entry 1 = -1 outside 0..63 (layer 'linear' shape [10, 64])");
}

TEST(ValidateFaultList, BitOutsideRangeInAProgrammaticList) {
  FaultList list;
  list.faults.push_back(Fault{0, {"linear", {0, 0}, 40}, FaultModel::BitFlip});
  try {
    validate_fault_list(list, kSites);
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(), "<generated>: fault 0: bit 40 outside 0..31");
  }
}

TEST(ValidateFaultList, DuplicateFaultAndInjection) {
  EXPECT_EQ(validation_error("0,linear,\"(1, 2)\",5\n1,conv1,\"(0, 0, 0, 0)\",0\n2,linear,\"(1, 2)\",5\n"),
            "m.csv:4: duplicate fault: layer 'linear' index (1, 2) bit 5 bitflip already listed at m.csv:2");
  // Issue 17: consecutive rows sharing an id are one multi-site fault; an id used again
  // after another fault's rows is refused.
  EXPECT_EQ(validation_error("7,linear,\"(1, 2)\",5\n7,linear,\"(1, 2)\",6\n"), "");
  EXPECT_EQ(validation_error("7,linear,\"(1, 2)\",5\n8,linear,\"(1, 2)\",7\n7,linear,\"(1, 2)\",6\n"),
            "m.csv:4: duplicate Injection id 7 (already used at m.csv:2; the rows of one multi-site fault are "
            "consecutive)");
  // Same site under different fault models: two different faults.
  std::istringstream in(
      "Injection,Layer,TensorIndex,Bit,FaultModel\n0,linear,\"(1, 2)\",5,stuck-at-0\n"
      "1,linear,\"(1, 2)\",5,stuck-at-1\n");
  EXPECT_NO_THROW(validate_fault_list(parse_fault_list(in, "m.csv"), kSites));
}

// The same index in a different layer is not a duplicate (the key includes the layer).
TEST(ValidateFaultList, SameIndexInTwoLayersIsNotADuplicate) {
  EXPECT_EQ(validation_error("0,conv1,\"(0, 0, 0, 0)\",3\n1,layer1.0.conv1,\"(0, 0, 0, 0)\",3\n"), "");
}

TEST(LoadFaultList, ValidatesAndConvertsKerasToTorch) {
  const auto dir = testing::make_temp_dir("faults-load");
  write_file_atomically(dir / "k.csv", kHeader + "0,conv2d_1,\"(2, 1, 7, 3)\",30\n1,dense,\"(63, 9)\",1\n");
  FaultList list = load_fault_list(dir / "k.csv", kSites, Convention::Keras);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list.faults[0].site, (FaultSite{"layer1.0.conv1", {3, 7, 2, 1}, 30}));
  EXPECT_EQ(list.faults[1].site, (FaultSite{"linear", {9, 63}, 1}));
  // The same file read as a torch list fails validation, naming the line.
  try {
    load_fault_list(dir / "k.csv", kSites, Convention::Torch);
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("k.csv:2: unknown layer 'conv2d_1'"), std::string::npos) << e.what();
  }
  write_file_atomically(dir / "bad.csv", kHeader + "0,dense,\"(64, 9)\",1\n");
  EXPECT_THROW(load_fault_list(dir / "bad.csv", kSites, Convention::Keras), FormatError);
  std::filesystem::remove_all(dir);
}

// A list in the other convention, loaded with a purpose: a campaign is told the exact
// command that converts it, a conversion that there is nothing to convert. A mix of both
// conventions is no convention: validation names its first unknown layer.
TEST(LoadFaultList, AListInTheOtherConventionSaysWhatToDo) {
  const auto dir = testing::make_temp_dir("faults-convention");
  const std::string keras = kHeader + "0,conv2d_1,\"(2, 1, 7, 3)\",30\n1,dense,\"(63, 9)\",1\n";
  write_file_atomically(dir / "k.csv", keras);
  write_file_atomically(dir / "my list.csv", keras);
  write_file_atomically(dir / "t.csv", kHeader + "0,conv1,\"(0, 0, 0, 0)\",3\n");
  write_file_atomically(dir / "mixed.csv", kHeader + "0,conv1,\"(0, 0, 0, 0)\",3\n1,dense,\"(63, 9)\",1\n");
  auto usage_error = [&](const std::string& name, Convention c, bool converting) -> std::string {
    const ListPurpose purpose{"resnet20", "cifar10", converting};
    try {
      load_fault_list(dir / name, kSites, c, &purpose);
    } catch (const UsageError& e) {
      return std::string(e.what()).substr(dir.string().size() + 1);  // the folder is the test's
    }
    return "";
  };
  EXPECT_EQ(usage_error("k.csv", Convention::Torch, false),
            "k.csv:2: layer 'conv2d_1' is a Keras layer name: the list is in the Keras convention (layers conv2d, "
            "conv2d_1, ..., dense; indices (kh, kw, in, out)); a campaign needs the PyTorch convention. Convert it "
            "first:\n  faultbench faultlist --convert " +
                dir.string() + "/k.csv --to torch --model resnet20 --dataset cifar10 --out " + dir.string() +
                "/k_torch.csv");
  EXPECT_NE(usage_error("my list.csv", Convention::Torch, false)
                .find("--convert '" + dir.string() +
                      "/my list.csv' --to torch --model resnet20 --dataset cifar10 "
                      "--out '" +
                      dir.string() + "/my list_torch.csv'"),
            std::string::npos);
  EXPECT_EQ(usage_error("k.csv", Convention::Torch, true),
            "k.csv:2: layer 'conv2d_1' is a Keras layer name: the list is in the Keras convention (layers conv2d, "
            "conv2d_1, ..., dense; indices (kh, kw, in, out)), the one --to keras asks for: nothing to convert");
  EXPECT_EQ(usage_error("t.csv", Convention::Keras, true),
            "t.csv:2: layer 'conv1' is a PyTorch layer name: the list is in the PyTorch convention (indices (out, in, "
            "kh, kw)), the one --to torch asks for: nothing to convert");
  // In its own convention, or a mix: no UsageError (a mix fails validation as before).
  EXPECT_EQ(usage_error("k.csv", Convention::Keras, false), "");
  EXPECT_EQ(usage_error("t.csv", Convention::Torch, false), "");
  const ListPurpose purpose{"resnet20", "cifar10"};
  EXPECT_THROW(load_fault_list(dir / "mixed.csv", kSites, Convention::Torch, &purpose), FormatError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace faultbench
