// Helpers shared by the libFuzzer targets.
//
// Outcome rules of every target: returning normally or throwing a faultbench::Error
// (FormatError, IoError, UsageError) is expected; anything else is a finding and aborts
// with a message so that libFuzzer saves the input: another exception type, an
// "internal error" (a FAULTBENCH_CHECK reached from untrusted input), and of course
// crashes, sanitizer reports, timeouts and oversized allocations (libFuzzer's own
// -rss_limit_mb / -malloc_limit_mb, set by scripts/fuzz.sh).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>

#include "faultbench/error.h"

namespace faultbench::fuzz {

// A per-process scratch directory (created on first use, under $TMPDIR or /tmp).
const std::filesystem::path& scratch_dir();

// Writes `data` to scratch_dir()/name (replacing it) and returns the path. Most readers
// take a path; rewriting one small file per input costs microseconds.
std::filesystem::path write_scratch(const std::string& name, const uint8_t* data, size_t size);
std::filesystem::path write_scratch(const std::string& name, std::string_view text);

[[noreturn]] void finding(const char* kind, const char* what);

// Runs fn() under the outcome rules above.
template <class Fn>
void run_expecting_errors(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    if (std::string_view(e.what()).starts_with("internal error")) finding("internal error", e.what());
  } catch (const std::exception& e) {
    finding("unexpected exception (not faultbench::Error)", e.what());
  } catch (...) {
    finding("unexpected exception", "(not a std::exception)");
  }
}

}  // namespace faultbench::fuzz
