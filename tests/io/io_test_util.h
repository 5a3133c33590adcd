// Helpers shared by the tests of src/io.
#pragma once
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "faultbench/error.h"
#include "faultbench/graph.h"
#include "test_support.h"

namespace faultbench::testing {

inline std::filesystem::path fixture(const std::string& name) { return source_dir() / "tests/io/fixtures" / name; }

inline std::vector<uint8_t> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::filesystem::path& p, const std::vector<uint8_t>& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

// The graph of tools/make_checkpoint_fixtures.py's Tiny module:
// conv1 [4,3,3,3] (no bias), bn1 [4] x4 + num_batches_tracked, fc [2,4] + [2].
inline Graph tiny_graph() {
  GraphBuilder b("tiny", "test", ValueShape{3, 4, 4}, 2);
  int x = b.conv2d(
      "conv1", b.input(),
      Conv2dAttrs{
          .in_channels = 3, .out_channels = 4, .groups = 1, .bias = false, .window = Window2d::square(3, 1, 1)});
  x = b.relu(b.batch_norm("bn1", x));
  x = b.linear("fc", b.global_avg_pool(x), 2);
  return b.finish(x);
}

// Runs fn, expects a FormatError whose message contains every one of `parts`.
inline void expect_format_error(const std::function<void()>& fn, std::initializer_list<std::string> parts) {
  try {
    fn();
    ADD_FAILURE() << "no FormatError thrown (expected one mentioning '" << *parts.begin() << "')";
  } catch (const FormatError& e) {
    const std::string msg = e.what();
    for (const std::string& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }
}

}  // namespace faultbench::testing
