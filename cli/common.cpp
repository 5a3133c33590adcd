#include "common.h"

#include "faultbench/campaign/int8_setup.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>

#include "faultbench/error.h"
#include "faultbench/util/cpu_allocation.h"
#include "faultbench/util/parallel.h"

namespace faultbench::cli {

std::filesystem::path resolve_data_dir(const std::string& option_value) {
  if (!option_value.empty()) return option_value;
  const char* env = std::getenv("FAULTBENCH_DATA");
  if (env != nullptr && *env != '\0') return env;
  throw UsageError("--data-dir is not given and FAULTBENCH_DATA is not set");
}

namespace {
std::vector<std::string>& stored_command_line() {
  static std::vector<std::string> args;
  return args;
}
}  // namespace

void set_command_line(int argc, char** argv) { stored_command_line().assign(argv, argv + argc); }
const std::vector<std::string>& command_line() { return stored_command_line(); }

namespace {

// The option's long name as the user typed it ("--images"; a positional has none).
std::string option_name(const CLI::Option* option) {
  const auto& longs = option->get_lnames();
  return longs.empty() ? option->get_name() : "--" + longs.front();
}

// A validator whose description is the range (shown in --help) and which throws
// faultbench::UsageError, not CLI::ValidationError, so that the message reads like every
// other usage error of faultbench (CLI11 would wrap it in its own format).
CLI::Option* add_check(CLI::Option* option, const std::string& range, std::function<bool(const std::string&)> ok,
                       const std::string& rule) {
  const std::string name = option_name(option);
  option->check(CLI::Validator(
      [name, ok = std::move(ok), rule](std::string& text) -> std::string {
        if (!ok(text)) throw UsageError(fmt::format("{} {}: {}", name, text, rule));
        return {};
      },
      range));
  return option;
}

}  // namespace

CLI::Option* integer_range(CLI::Option* option, int64_t lo, int64_t hi) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min(), kMax = std::numeric_limits<int64_t>::max();
  const std::string range =
      lo == kMin && hi == kMax ? std::string("any 64-bit integer") : fmt::format("{}..{}", lo, hi);
  return add_check(
      option, range,
      [lo, hi](const std::string& text) {
        int64_t v = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        return ec == std::errc() && end == text.data() + text.size() && !text.empty() && v >= lo && v <= hi;
      },
      lo == kMin && hi == kMax ? "must be a decimal 64-bit integer" : "must be an integer in " + range);
}

std::string lower_case(std::string text) {
  for (char& c : text) c = char(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

CLI::Option* word_choice(CLI::Option* option, const std::vector<std::string>& words) {
  std::string bar, listed;
  for (const std::string& w : words) {
    bar += (bar.empty() ? "" : "|") + w;
    listed += (listed.empty() ? "" : ", ") + w;
  }
  option->type_name("WORD");
  return add_check(
      option, "{" + bar + "}",
      [words](const std::string& text) {
        return std::find(words.begin(), words.end(), lower_case(text)) != words.end();
      },
      "must be one of " + listed);
}

CLI::Option* real_range(CLI::Option* option, double lo, double hi, bool open_lo, bool open_hi) {
  const std::string range = fmt::format("{}{}, {}{}", open_lo ? "(" : "[", lo, hi, open_hi ? ")" : "]");
  return add_check(
      option, range,
      [=](const std::string& text) {
        double v = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size() || text.empty() || !std::isfinite(v)) return false;
        return (open_lo ? v > lo : v >= lo) && (open_hi ? v < hi : v <= hi);
      },
      "must be in " + range);
}

void add_image_options(CLI::App* cmd, ImageOptions& o) {
  auto* images =
      integer_range(cmd->add_option("--images", o.images,
                                    "N test images, an equal share per class drawn with --image-seed (default: all)"),
                    1, kMaxImagesOption);
  auto* first =
      integer_range(cmd->add_option("--first-images", o.first_images, "the first N test images of the file instead"), 1,
                    kMaxImagesOption);
  auto* seed = integer_range(cmd->add_option("--image-seed", o.image_seed, "seed of --images (default 0)"), 0,
                             std::numeric_limits<int64_t>::max());
  images->excludes(first);
  seed->needs(images);
}

ImageSelection image_selection(const ImageOptions& o) {
  if (o.first_images > 0) return {ImageSelectionKind::First, o.first_images, 0};
  if (o.images > 0) return {ImageSelectionKind::Stratified, o.images, o.image_seed};
  return {};
}

std::string describe_images(const ImageSelection& selection, int64_t count) {
  switch (selection.kind) {
    case ImageSelectionKind::Stratified: return fmt::format("{} (stratified, seed {})", count, selection.seed);
    case ImageSelectionKind::First: return fmt::format("{} (the first of the file)", count);
    case ImageSelectionKind::All: break;
  }
  return fmt::format("{} (all)", count);
}

std::string describe_threads(int requested, int used) {
  if (requested > 0) return fmt::format("{} (--threads)", used);
  return fmt::format("{} ({})", used, available_cpus().reason);
}

void add_threads_option(CLI::App* cmd, int& threads) {
  integer_range(
      cmd->add_option("--threads", threads,
                      "worker threads (default 0: the CPUs this process may use: taskset, cgroup quota, Slurm)"),
      0, ThreadPool::kMaxThreads);
}

CLI::Option* add_numerics_option(CLI::App* cmd, Numerics& numerics, const std::string& help) {
  std::vector<std::pair<std::string, Numerics>> choices;
  for (Numerics n :
       {Numerics::Fp32, Numerics::Tf32, Numerics::Tf32Published, Numerics::Bf16, Numerics::Fp16, Numerics::Int8})
    choices.emplace_back(numerics_name(n), n);
  return add_choice(cmd, "--numerics", numerics, choices, help);
}

CLI::Option* add_calibration_option(CLI::App* cmd, std::optional<int64_t>& k) {
  return integer_range(
      cmd->add_option("--calibration-images", k,
                      "int8: calibrate the activation scales on the first K test images (default 100)"),
      1, 1000000);
}

int64_t calibration_images(const std::optional<int64_t>& k, Numerics numerics) {
  if (k && numerics != Numerics::Int8) throw UsageError("--calibration-images goes with --numerics int8");
  return k.value_or(kDefaultCalibrationImages);
}

}  // namespace faultbench::cli
