// Helpers shared by the CLI verbs.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "faultbench/data/image_selection.h"
#include "faultbench/graph/numerics.h"

namespace faultbench::cli {

// The --data-dir value, or $FAULTBENCH_DATA when it is empty; UsageError when neither is set.
std::filesystem::path resolve_data_dir(const std::string& option_value);

// The process's command line, kept by main() for the records verbs write (campaign sidecars).
void set_command_line(int argc, char** argv);
const std::vector<std::string>& command_line();
// --images: a value beyond the test set means the whole set; the bound keeps it sane.
inline constexpr int64_t kMaxImagesOption = 1'000'000;

// Which test images a verb uses, the same options on every verb that reads a test set:
//   --images N        N images, an equal share per class, drawn with --image-seed (default 0)
//   --first-images N  the first N images of the file (test files are often sorted by class)
// neither: every image.
struct ImageOptions {
  int64_t images = 0, first_images = 0, image_seed = 0;
};
void add_image_options(CLI::App* cmd, ImageOptions& options);
ImageSelection image_selection(const ImageOptions& options);
// "1000 (stratified, seed 0)", "20 (the first of the file)", "10000 (all)".
std::string describe_images(const ImageSelection& selection, int64_t count);

// --threads: "2 (--threads)" when given, else "1 (CPU affinity: 1 of 2 cores)".
std::string describe_threads(int requested, int used);
void add_threads_option(CLI::App* cmd, int& threads);

// Every numeric option of every verb has a range, shown in its --help (INT:1..1000000)
// and checked on the text as typed, before CLI11 converts it (which would saturate
// 99999999999999999999 or print a default bound as 1.79e308). Outside the range, or not a
// number, is a UsageError (exit 2) naming the option, the value and the range:
//   faultbench: error: --images 0: must be an integer in 1..1000000
// Returns `option` for chaining.
CLI::Option* integer_range(CLI::Option* option, int64_t lo, int64_t hi);

// An option that takes one word of a fixed set (case-insensitive), shown in --help as
// WORD:{bitflip|stuck-at-0|stuck-at-1} and checked like the ranges:
//   faultbench: error: --fault-model stuck-at-2: must be one of bitflip, stuck-at-0, stuck-at-1
// The chosen word's value is stored into `target`.
CLI::Option* word_choice(CLI::Option* option, const std::vector<std::string>& words);
std::string lower_case(std::string text);
template <typename T>
CLI::Option* add_choice(CLI::App* cmd, const std::string& name, T& target,
                        const std::vector<std::pair<std::string, T>>& choices, const std::string& help) {
  std::vector<std::string> words;
  for (const auto& c : choices) words.push_back(c.first);
  auto* option = cmd->add_option_function<std::string>(
      name,
      [&target, choices](const std::string& text) {
        for (const auto& [word, value] : choices)
          if (word == lower_case(text)) target = value;
      },
      help);
  return word_choice(option, words);
}

// --numerics fp32|tf32|tf32-published|bf16|fp16 (docs/NUMERICS.md), default fp32.
CLI::Option* add_numerics_option(CLI::App* cmd, Numerics& numerics, const std::string& help);
// --calibration-images K (int8); calibration_images: K, its default, or a UsageError when
// given without --numerics int8.
CLI::Option* add_calibration_option(CLI::App* cmd, std::optional<int64_t>& k);
int64_t calibration_images(const std::optional<int64_t>& k, Numerics numerics);

// Real-valued: lo and hi are excluded when open_lo / open_hi, e.g. (0, 1) or (0, 10].
//   faultbench: error: --error 2: must be in (0, 1)
CLI::Option* real_range(CLI::Option* option, double lo, double hi, bool open_lo, bool open_hi);

}  // namespace faultbench::cli
