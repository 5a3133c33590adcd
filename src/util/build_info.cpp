#include "faultbench/util/build_info.h"

#include <sys/utsname.h>

#include <ctime>
#include <fstream>
#include <string>

namespace faultbench {

const char* faultbench_version() { return FAULTBENCH_VERSION; }

std::string cpu_description() {
  // /proc/cpuinfo is small and read line by line; "model name" on x86, "Model"/"Hardware" on
  // some ARM kernels.
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  for (int lines = 0; lines < 10000 && std::getline(in, line); ++lines) {
    for (const char* key : {"model name", "Model", "Hardware"}) {
      if (line.rfind(key, 0) != 0) continue;
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      const size_t start = line.find_first_not_of(" \t", colon + 1);
      if (start != std::string::npos) return line.substr(start);
    }
  }
  struct utsname u {};
  if (::uname(&u) == 0) return u.machine;
  return "unknown";
}

std::string utc_timestamp(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace faultbench
