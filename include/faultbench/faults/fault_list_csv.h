// Reading and writing fault lists in the reference CSV format.
//
//   Injection,Layer,TensorIndex,Bit[,FaultModel][,n_injections,masked,non_critical,critical]
//   0,conv1,"(3, 0, 2, 1)",15
// TensorIndex is a Python tuple string, quoted because it contains commas (csv QUOTE_MINIMAL);
// lines end with LF. FaultModel is written only when some fault is not a bit-flip; a
// missing column means bitflip. Reading accepts CRLF and skips blank lines. A campaign's
// result file is a list too: columns after the result block (faultbench's due and
// top1_correct) are ignored.
// Reading checks the syntax only (FormatError "file:line: rule"); checking the sites
// against a model is validate_fault_list's job (validate.h).
#pragma once
#include <filesystem>
#include <istream>
#include <string>
#include <vector>

#include "faultbench/faults/fault.h"

namespace faultbench {

// Parses a list from `in`; `source` names it in error messages.
FaultList parse_fault_list(std::istream& in, const std::string& source);
// Opens and parses a file (IoError when it cannot be opened).
FaultList read_fault_list(const std::filesystem::path& path);

struct WriteOptions {
  bool results = true;  // write the result columns when the list has them
};

// The CSV text of `list`.
std::string format_fault_list(const FaultList& list, const WriteOptions& options = {});
// Writes atomically (write_file_atomically: temporary file, fsync, rename); IoError on failure.
void write_fault_list(const std::filesystem::path& path, const FaultList& list, const WriteOptions& options = {});

// "(3, 0, 2, 1)": Python's str() of a tuple of ints ("(3,)" for one entry).
std::string tensor_index_to_string(const std::vector<int64_t>& index);

}  // namespace faultbench
