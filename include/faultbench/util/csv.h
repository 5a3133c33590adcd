// The one CSV reader of faultbench: fault lists, campaign result tables and the GTSRB
// ground truth all go through it, so every CSV follows the same rules and reports its
// errors the same way ("file:line: rule", FormatError).
//
// RFC 4180, as Python's csv module and Excel write it:
//  - records end with LF or CRLF (a CR at the very end of the input is dropped too); a CR
//    elsewhere outside quotes is data, as it always was for these files;
//  - a field that starts with '"' is quoted: it may hold the delimiter, line breaks and
//    doubled quotes ("" for one '"'), and must be followed by the delimiter or the end of
//    the record; a '"' inside an unquoted field is an error;
//  - the delimiter is configurable (GTSRB uses ';').
// Friendly where it costs nothing: a UTF-8 byte order mark at the start of the input
// (Excel and many Windows tools write one) is skipped, and lines of only spaces and tabs
// are not records. A NUL byte is reported as such (a binary file, or UTF-16 text).
#pragma once
#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace faultbench {

struct CsvOptions {
  char delimiter = ',';
  // A longer physical line is "file:line: line longer than N bytes": bounds the memory a
  // garbage file (one huge line of delimiters) can take. 0: no limit.
  size_t max_line_bytes = size_t(1) << 20;
};

struct CsvRecord {
  std::vector<std::string> fields;
  int64_t line = 0;  // 1-based line where the record starts
};

class CsvReader {
 public:
  // `source` names the input in error messages (usually the file path).
  CsvReader(std::istream& in, std::string source, CsvOptions options = {});

  // Reads the next record; false at the end of the input. FormatError "source:line: rule"
  // on a malformed record, IoError when the stream fails.
  bool next(CsvRecord& record);

  const std::string& source() const { return source_; }

 private:
  int get();   // next byte (0..255) or EOF
  int peek();  // the byte get() would return
  void skip_bom();
  [[noreturn]] void fail(int64_t line, const std::string& rule) const;

  std::istream& in_;
  std::streambuf* sb_;
  std::string source_;
  CsvOptions options_;
  std::string pending_;  // bytes read ahead at the start (a BOM candidate)
  size_t pending_pos_ = 0;
  bool started_ = false;
  int64_t line_ = 0;  // physical line of the last byte read
  size_t line_bytes_ = 0;
};

}  // namespace faultbench
