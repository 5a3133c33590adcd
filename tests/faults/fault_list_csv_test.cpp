#include "faultbench/faults/fault_list_csv.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "faultbench/error.h"
#include "faultbench/faults/validate.h"
#include "test_support.h"

namespace faultbench {
namespace {

FaultList parse(const std::string& text) {
  std::istringstream in(text);
  return parse_fault_list(in, "list.csv");
}

// The error message of parsing `text`, or "" when it parses.
std::string parse_error(const std::string& text) {
  try {
    parse(text);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

TEST(FaultListCsv, ReadsTheReferenceFormatWithResults) {
  FaultList list = parse(
      "Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical\n"
      "0,conv1,\"(3, 0, 2, 1)\",15,10000,14,9985,1\n"
      "16626,linear,\"(2, 26)\",4,10000,2418,7582,0\n");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list.faults[0].site, (FaultSite{"conv1", {3, 0, 2, 1}, 15}));
  EXPECT_EQ(list.faults[1].injection, 16626);
  EXPECT_EQ(list.faults[1].site, (FaultSite{"linear", {2, 26}, 4}));
  ASSERT_TRUE(list.has_results());
  EXPECT_EQ(list.results[0], (FaultResult{10000, 14, 9985, 1}));
  EXPECT_EQ(list.lines, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(list.source, "list.csv");
}

// A campaign's result file is a fault list: faultbench's own columns after the result
// block (due, top1_correct) are ignored, with or without a FaultModel column; a column
// the list itself uses may still not be repeated there.
TEST(FaultListCsv, ReadsAResultFileAsAList) {
  const FaultList ours = parse(
      "Injection,Layer,TensorIndex,Bit,FaultModel,n_injections,masked,non_critical,critical,due,top1_correct\n"
      "0,conv1,\"(3, 0, 2, 1)\",15,stuck-at-1,20,0,14,6,19,19\n");
  ASSERT_EQ(ours.size(), 1u);
  EXPECT_EQ(ours.faults[0].model, FaultModel::StuckAt1);
  EXPECT_EQ(ours.results[0], (FaultResult{20, 0, 14, 6}));
  EXPECT_EQ(format_fault_list(ours),
            "Injection,Layer,TensorIndex,Bit,FaultModel,n_injections,masked,non_critical,critical\n"
            "0,conv1,\"(3, 0, 2, 1)\",15,stuck-at-1,20,0,14,6\n");
  EXPECT_EQ(parse("Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical,due,top1_correct\n"
                  "0,conv1,\"(3, 0, 2, 1)\",15,20,0,20,0,0,15\n")
                .faults[0]
                .model,
            FaultModel::BitFlip);
  EXPECT_EQ(parse_error("Injection,Layer,TensorIndex,Bit,due,n_injections,masked,non_critical,critical\n"),
            "list.csv:1: unknown or repeated column 'due'");
  EXPECT_EQ(parse_error("Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical,due,critical\n"),
            "list.csv:1: unknown or repeated column 'critical'");
  EXPECT_EQ(parse_error("Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical,due\n"
                        "0,conv1,\"(3, 0, 2, 1)\",15,20,0,20,0\n"),
            "list.csv:2: malformed row: 8 fields, the header has 9");
}

TEST(FaultListCsv, WritesExactlyWhatItReads) {
  const std::string text =
      "Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical\n"
      "0,conv1,\"(3, 0, 2, 1)\",15,10000,14,9985,1\n"
      "1,linear,\"(7, 36)\",4,10000,3832,6168,0\n";
  FaultList list = parse(text);
  EXPECT_EQ(format_fault_list(list), text);
  EXPECT_EQ(format_fault_list(list, WriteOptions{.results = false}),
            "Injection,Layer,TensorIndex,Bit\n0,conv1,\"(3, 0, 2, 1)\",15\n1,linear,\"(7, 36)\",4\n");
}

TEST(FaultListCsv, FaultModelColumnOnlyWhenNeeded) {
  FaultList list;
  list.faults.push_back(Fault{0, {"conv1", {0, 0, 0, 0}, 3}, FaultModel::BitFlip});
  EXPECT_EQ(format_fault_list(list), "Injection,Layer,TensorIndex,Bit\n0,conv1,\"(0, 0, 0, 0)\",3\n");
  list.faults.push_back(Fault{1, {"fc", {1, 2}, 31}, FaultModel::StuckAt0});
  const std::string text = format_fault_list(list);
  EXPECT_EQ(text,
            "Injection,Layer,TensorIndex,Bit,FaultModel\n"
            "0,conv1,\"(0, 0, 0, 0)\",3,bitflip\n"
            "1,fc,\"(1, 2)\",31,stuck-at-0\n");
  FaultList back = parse(text);
  EXPECT_EQ(back.faults, list.faults);
}

TEST(FaultListCsv, AcceptsCrlfBlankLinesAndOneTuples) {
  FaultList list = parse("Injection,Layer,TensorIndex,Bit\r\n\r\n0,x,\"(5,)\",1\r\n1,y,\"( 1 ,2 )\",0\r\n");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list.faults[0].site.index, (std::vector<int64_t>{5}));
  EXPECT_EQ(list.faults[1].site.index, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(list.lines, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(tensor_index_to_string({5}), "(5,)");
  EXPECT_EQ(tensor_index_to_string({}), "()");
}

TEST(FaultListCsv, MalformedRowsNameFileLineAndRule) {
  const std::string h = "Injection,Layer,TensorIndex,Bit\n";
  EXPECT_EQ(parse_error(""), "list.csv:1: empty file: missing the header Injection,Layer,TensorIndex,Bit");
  EXPECT_EQ(parse_error("Injection,Layer,Index,Bit\n"),
            "list.csv:1: header must start with Injection,Layer,TensorIndex,Bit");
  EXPECT_EQ(parse_error(h + "0,conv1,\"(1, 2)\"\n"), "list.csv:2: malformed row: 3 fields, the header has 4");
  EXPECT_EQ(parse_error(h + "0,conv1,\"(1, 2)\",x\n"), "list.csv:2: malformed row: Bit 'x' is not an integer");
  EXPECT_EQ(parse_error(h + "0,conv1,\"(1, 2)\",32\n"), "list.csv:2: bit 32 outside 0..31");
  EXPECT_EQ(parse_error(h + "0,conv1,\"(1, 2)\",-1\n"), "list.csv:2: bit -1 outside 0..31");
  EXPECT_EQ(parse_error(h + "-3,conv1,\"(1, 2)\",1\n"),
            "list.csv:2: malformed row: Injection '-3' is not a non-negative integer");
  EXPECT_EQ(parse_error(h + "0,conv1,\"(1, 2,1\n"), "list.csv:2: malformed row: unterminated quoted field");
  EXPECT_EQ(parse_error(h + "0,conv1,\"[1, 2]\",1\n"),
            "list.csv:2: malformed row: TensorIndex '[1, 2]' is not a tuple like \"(3, 0, 2, 1)\"");
  EXPECT_EQ(parse_error(h + "0,conv1,\"(1, a)\",1\n"),
            "list.csv:2: malformed row: TensorIndex '(1, a)' has a non-integer entry");
  EXPECT_EQ(parse_error(h + "0,,\"(1, 2)\",1\n"), "list.csv:2: malformed row: empty Layer");
  EXPECT_EQ(parse_error(h + "0,c,\"(1, 2)\",1\n1,c,\"(99999999999999999999, 2)\",1\n"),
            "list.csv:3: malformed row: TensorIndex '(99999999999999999999, 2)' has a non-integer entry");
  EXPECT_EQ(parse_error("Injection,Layer,TensorIndex,Bit,Extra\n"), "list.csv:1: unknown or repeated column 'Extra'");
  EXPECT_EQ(parse_error("Injection,Layer,TensorIndex,Bit,n_injections,masked\n"),
            "list.csv:1: result columns must be n_injections,masked,non_critical,critical");
  EXPECT_EQ(parse_error("Injection,Layer,TensorIndex,Bit,FaultModel\n0,c,\"(1, 2)\",1,flip\n"),
            "list.csv:2: malformed row: FaultModel 'flip' is not bitflip, stuck-at-0 or stuck-at-1");
  EXPECT_NE(parse_error(h + "0,c,\"(1, 2)\",1," + std::string(70000, 'x') + "\n").find("list.csv:2: line longer"),
            std::string::npos);
  EXPECT_NE(parse_error(h + "0,c,\"(1,2,3,4,5,6,7,8,9)\",1\n").find("more than 8 entries"), std::string::npos);
}

// Through the shared CSV reader: a UTF-8 BOM (Excel) is skipped, a NUL byte is named,
// a quoted field may span lines (the row keeps the line it starts on).
TEST(FaultListCsv, BomNulAndMultiLineRecords) {
  const std::string h = "Injection,Layer,TensorIndex,Bit\n";
  const FaultList bom = parse("\xEF\xBB\xBF" + h + "0,conv1,\"(1, 2)\",3\r\n");
  ASSERT_EQ(bom.size(), 1u);
  EXPECT_EQ(bom.lines[0], 2);
  EXPECT_EQ(parse_error(h + std::string("0,conv1,\"(1, 2)\",3\0\n", 20)),
            "list.csv:2: NUL byte in CSV (a binary file, or text in UTF-16? expected UTF-8 or ASCII text)");
  EXPECT_EQ(parse_error(h + "0,conv1,\"(1, 2)\"x,3\n"), "list.csv:2: malformed row: text after a closing quote");
  EXPECT_EQ(parse_error(h + "0,conv\"1,\"(1, 2)\",3\n"), "list.csv:2: malformed row: quote inside an unquoted field");
  const FaultList multi = parse(h + "0,\"con\nv1\",\"(1, 2)\",3\n1,conv1,\"(2, 2)\",3\n");
  ASSERT_EQ(multi.size(), 2u);
  EXPECT_EQ(multi.faults[0].site.layer, "con\nv1");
  EXPECT_EQ(multi.lines, (std::vector<int64_t>{2, 4}));
}

TEST(FaultListCsv, FileRoundTripAndMissingFile) {
  const auto dir = testing::make_temp_dir("faults-csv");
  FaultList list;
  list.faults.push_back(Fault{0, {"features.0", {14, 0, 2, 1}, 15}, FaultModel::BitFlip});
  write_fault_list(dir / "out.csv", list);
  FaultList back = read_fault_list(dir / "out.csv");
  EXPECT_EQ(back.faults, list.faults);
  EXPECT_EQ(back.source, (dir / "out.csv").string());
  EXPECT_THROW(read_fault_list(dir / "missing.csv"), IoError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace faultbench

namespace faultbench {
namespace {

// Untrusted input never crashes: every truncation and thousands of byte mutations of a
// valid list either parse and validate, or raise FormatError.
TEST(FaultListCsv, MutatedInputOnlyEverRaisesFormatError) {
  const std::string valid =
      "Injection,Layer,TensorIndex,Bit,FaultModel,n_injections,masked,non_critical,critical\n"
      "0,conv1,\"(3, 0, 2, 1)\",15,bitflip,10000,14,9985,1\n"
      "1,linear,\"(7, 36)\",4,stuck-at-1,10000,3832,6168,0\n"
      "2,conv1,\"(15, 2, 2, 2)\",31,stuck-at-0,10000,0,0,10000\n";
  const std::vector<WeightSite> sites = {{"conv1", {16, 3, 3, 3}}, {"linear", {10, 64}}};
  auto check = [&](const std::string& text) {
    std::istringstream in(text);
    try {
      validate_fault_list(parse_fault_list(in, "fuzz.csv"), sites);
    } catch (const FormatError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("fuzz.csv", 0), 0u) << e.what();
    }
  };
  for (size_t n = 0; n <= valid.size(); ++n) check(valid.substr(0, n));
  std::mt19937 rng(1234);
  const std::string alphabet = "0123456789,\"() -\n\rxab";
  for (int i = 0; i < 5000; ++i) {
    std::string text = valid;
    const int edits = 1 + int(rng() % 4);
    for (int e = 0; e < edits; ++e) text[rng() % text.size()] = alphabet[rng() % alphabet.size()];
    check(text);
  }
}

}  // namespace
}  // namespace faultbench
