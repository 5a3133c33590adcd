// `fetch --mirror` / FAULTBENCH_MIRROR: an http(s) URL, a file:// URL or a plain folder,
// all turned into one base URL (see resolve_mirror in fetch.h).
#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <system_error>

#include "faultbench/data/fetch.h"
#include "faultbench/error.h"

namespace faultbench {

namespace fs = std::filesystem;

namespace {

constexpr const char* kMirrorRule = "a mirror is an http(s):// URL, a file:///absolute/path URL or an existing folder";

// RFC 3986 percent-encoding of a path: everything but unreserved characters and '/', so that
// a folder name with spaces, '%', '#' or '?' survives as a file:// URL.
std::string percent_encode_path(const std::string& path) {
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~')
      out.push_back(char(c));
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

// The inverse, for checking the folder a file:// URL names; a malformed escape is kept as is
// (the folder then does not exist and the error says so).
std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(char(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// IoError unless `folder` is an existing folder; `where` names the option or variable.
void require_folder(const std::string& where, const fs::path& folder) {
  std::error_code ec;
  const fs::file_status st = fs::status(folder, ec);
  if (!fs::exists(st)) throw IoError(fmt::format("{}: no such folder {} ({})", where, folder.string(), kMirrorRule));
  if (!fs::is_directory(st))
    throw IoError(fmt::format("{}: {} is not a folder ({})", where, folder.string(), kMirrorRule));
}

}  // namespace

std::string resolve_mirror(const std::string& option_value) {
  std::string value = option_value, where = "--mirror " + option_value;
  if (value.empty()) {
    const char* env = std::getenv("FAULTBENCH_MIRROR");
    if (env == nullptr || *env == '\0') return "";
    value = env;
    where = "FAULTBENCH_MIRROR=" + value;
  }
  const size_t sep = value.find("://");
  if (sep != std::string::npos) {
    const std::string scheme = lower(value.substr(0, sep));
    if (scheme == "http" || scheme == "https") return value;
    if (scheme != "file") throw UsageError(fmt::format("{}: unsupported scheme '{}' ({})", where, scheme, kMirrorRule));
    const std::string rest = value.substr(sep + 3);
    // file://host/... would name another machine's folder; curl refuses it anyway.
    if (rest.empty() || rest[0] != '/')
      throw UsageError(
          fmt::format("{}: a file:// mirror names a local folder by its absolute path ({})", where, kMirrorRule));
    require_folder(where, percent_decode(rest));
    return "file://" + rest;
  }
  const fs::path folder = fs::absolute(value);
  require_folder(where, folder);
  // The real path: what curl reads is then the folder that was checked, whatever links or
  // '..' the given path had.
  return "file://" + percent_encode_path(fs::canonical(folder).string());
}

}  // namespace faultbench
