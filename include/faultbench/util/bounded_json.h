// JSON read from files faultbench did not necessarily write (sidecars, journal headers):
// nesting is bounded before any value is built, so a file of a million '[' fails with a
// message instead of exhausting the stack. Sizes are checked by the callers, which know
// how large a valid file can be.
#pragma once
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace faultbench {

// Parses `text`; a syntax error gives a discarded value (is_discarded()), nesting deeper
// than `max_depth` a FormatError "<where>: JSON nested deeper than N levels (the limit)".
nlohmann::json parse_bounded_json(std::string_view text, int max_depth, const std::string& where);

}  // namespace faultbench
