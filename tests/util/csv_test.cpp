// The shared CSV reader (faultbench/util/csv.h): RFC 4180 quoting, line endings, the
// UTF-8 byte order mark, blank lines, and errors "source:line: rule".
#include <gtest/gtest.h>

#include <sstream>

#include "faultbench/error.h"
#include "faultbench/util/csv.h"

namespace faultbench {
namespace {

using Rows = std::vector<std::pair<int64_t, std::vector<std::string>>>;

Rows read_all(const std::string& text, CsvOptions options = {}) {
  std::istringstream in(text);
  CsvReader reader(in, "t.csv", options);
  CsvRecord r;
  Rows rows;
  while (reader.next(r)) rows.emplace_back(r.line, r.fields);
  return rows;
}

std::string error_of(const std::string& text, CsvOptions options = {}) {
  try {
    read_all(text, options);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "no error";
}

TEST(CsvReader, PlainFieldsAndEmptyFields) {
  EXPECT_EQ(read_all("a,b,c\n1,,3\n,,\n"), (Rows{{1, {"a", "b", "c"}}, {2, {"1", "", "3"}}, {3, {"", "", ""}}}));
  EXPECT_EQ(read_all("x"), (Rows{{1, {"x"}}}));  // no final newline
  EXPECT_EQ(read_all(""), Rows{});
}

TEST(CsvReader, QuotedFieldsHoldDelimitersDoubledQuotesAndLineBreaks) {
  EXPECT_EQ(read_all("0,\"(3, 0, 2, 1)\",15\n"), (Rows{{1, {"0", "(3, 0, 2, 1)", "15"}}}));
  EXPECT_EQ(read_all("\"say \"\"hi\"\"\",\"\"\n"), (Rows{{1, {"say \"hi\"", ""}}}));
  // A quoted line break belongs to the field; the next record's line number counts it.
  EXPECT_EQ(read_all("\"a\nb\",c\r\nd\n"), (Rows{{1, {"a\nb", "c"}}, {3, {"d"}}}));
}

TEST(CsvReader, CrlfAndAFinalCrEndRecordsOtherCrsAreData) {
  EXPECT_EQ(read_all("a,b\r\nc,d\r\n"), (Rows{{1, {"a", "b"}}, {2, {"c", "d"}}}));
  EXPECT_EQ(read_all("a,\"b\"\r\nc\r"), (Rows{{1, {"a", "b"}}, {2, {"c"}}}));
  EXPECT_EQ(read_all("a\rb\n"), (Rows{{1, {"a\rb"}}}));
}

TEST(CsvReader, ConfigurableDelimiter) {
  CsvOptions semicolon;
  semicolon.delimiter = ';';
  EXPECT_EQ(read_all("Filename;ClassId\n\"a;b.ppm\";3\nx,y;4\n", semicolon),
            (Rows{{1, {"Filename", "ClassId"}}, {2, {"a;b.ppm", "3"}}, {3, {"x,y", "4"}}}));
}

TEST(CsvReader, SkipsTheUtf8ByteOrderMarkAtTheStartOnly) {
  EXPECT_EQ(read_all("\xEF\xBB\xBFInjection,Bit\n0,1\n"), (Rows{{1, {"Injection", "Bit"}}, {2, {"0", "1"}}}));
  EXPECT_EQ(read_all("\xEF\xBB\xBF"), Rows{});
  EXPECT_EQ(read_all("\xEF\xBB"), (Rows{{1, {"\xEF\xBB"}}}));  // not a whole BOM: data
  EXPECT_EQ(read_all("a\n\xEF\xBB\xBF"
                     "b\n"),
            (Rows{{1, {"a"}},
                  {2,
                   {"\xEF\xBB\xBF"
                    "b"}}}));
}

TEST(CsvReader, BlankLinesAreNotRecordsButKeepTheirLineNumbers) {
  EXPECT_EQ(read_all("\na\n  \t\n\r\nb\n\n"), (Rows{{2, {"a"}}, {5, {"b"}}}));
  EXPECT_EQ(read_all("\"\"\n"), (Rows{{1, {""}}}));  // a quoted empty field is a record
}

TEST(CsvReader, ErrorsNameSourceLineAndRule) {
  EXPECT_EQ(error_of("a\n\"b,c\n"), "t.csv:2: malformed row: unterminated quoted field");
  EXPECT_EQ(error_of("a\nb,\"c\"d\n"), "t.csv:2: malformed row: text after a closing quote");
  EXPECT_EQ(error_of("a\nb,c\"d\"\n"), "t.csv:2: malformed row: quote inside an unquoted field");
  EXPECT_EQ(error_of("a\nb\n" + std::string("c\0d", 3) + "\n"),
            "t.csv:3: NUL byte in CSV (a binary file, or text in UTF-16? expected UTF-8 or ASCII text)");
  // UTF-16 text (what "Unicode text" exports write) meets the NUL rule on line 1.
  EXPECT_EQ(error_of(std::string("\xFF\xFEI\0n\0", 6)).rfind("t.csv:1: NUL byte in CSV", 0), 0u);
  // Inside a quoted field spanning lines, the error names the line of the bad byte.
  EXPECT_EQ(error_of(std::string("\"a\nb\0\"\n", 7)).rfind("t.csv:2: NUL byte", 0), 0u);
}

TEST(CsvReader, LineLengthLimit) {
  CsvOptions small;
  small.max_line_bytes = 8;
  EXPECT_EQ(read_all("12345678\n", small), (Rows{{1, {"12345678"}}}));
  EXPECT_EQ(read_all("1234567\r\n", small), (Rows{{1, {"1234567"}}}));
  EXPECT_EQ(error_of("a\n123456789\n", small), "t.csv:2: line longer than 8 bytes");
  // The limit is per physical line, also inside a quoted field.
  EXPECT_EQ(read_all("\"1234567\n1234567\"\n", small), (Rows{{1, {"1234567\n1234567"}}}));
  small.max_line_bytes = 0;  // no limit
  EXPECT_EQ(read_all(std::string(100000, ',') + "\n", small)[0].second.size(), 100001u);
}

}  // namespace
}  // namespace faultbench
