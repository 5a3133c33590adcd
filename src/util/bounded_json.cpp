#include "faultbench/util/bounded_json.h"

#include <fmt/format.h>

#include "faultbench/error.h"

namespace faultbench {

nlohmann::json parse_bounded_json(std::string_view text, int max_depth, const std::string& where) {
  return nlohmann::json::parse(
      text.begin(), text.end(),
      [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth > max_depth)
          throw FormatError(fmt::format("{}: JSON nested deeper than {} levels (the limit)", where, max_depth));
        return true;
      },
      false);
}

}  // namespace faultbench
