// Errors raised at the boundary of the library (files, user input, CLI arguments).
//
// Every message names the place (file, key, line, record) and the broken rule, e.g.
//   "ResNet20.th: state_dict key 'layer1.0.bn1.weight': expected shape [16], found [32]".
// Internal invariants use FAULTBENCH_CHECK, which also throws (never aborts) so that a
// bug surfaces as an error message instead of a crash.
#pragma once
#include <stdexcept>
#include <string>

namespace faultbench {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Input data that breaks a format rule (checkpoint, dataset, fault list, journal).
class FormatError : public Error {
 public:
  using Error::Error;
};

// An operating-system level failure (open, read, write, fsync, rename).
class IoError : public Error {
 public:
  using Error::Error;
};

// A mistake in what the user asked for (unknown model, bad option value).
class UsageError : public Error {
 public:
  using Error::Error;
};

// The user stopped the work (Ctrl-C, SIGTERM) and what was done is saved: the CLI exits
// with 130 (128 + SIGINT), as shells expect of an interrupted command.
class InterruptedError : public Error {
 public:
  using Error::Error;
};

[[noreturn]] void throw_internal(const char* file, int line, const std::string& what);

}  // namespace faultbench

#define FAULTBENCH_CHECK(cond, msg)                                     \
  do {                                                                  \
    if (!(cond)) ::faultbench::throw_internal(__FILE__, __LINE__, msg); \
  } while (0)
