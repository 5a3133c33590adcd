// What produced a result: the faultbench version and commit, and the machine it ran on.
// Recorded in every campaign sidecar so that a result file can be traced to its binary.
#pragma once
#include <chrono>
#include <string>

namespace faultbench {

// The project version (CMake's project(VERSION)), e.g. "0.1.0".
const char* faultbench_version();

// `git rev-parse HEAD` of the source tree at build time, with "-dirty" when tracked files
// differed from it; "unknown" when built outside a git checkout.
const char* faultbench_git_commit();

// The processor, as the operating system names it (Linux: /proc/cpuinfo's "model name",
// or the architecture from uname when there is none), e.g. "AMD EPYC 9R14 96-Core Processor".
std::string cpu_description();

// ISO 8601 UTC time with seconds, e.g. "2026-12-06T23:41:05Z".
std::string utc_timestamp(std::chrono::system_clock::time_point t);

}  // namespace faultbench
