#include "faultbench/util/cpu_allocation.h"

#include <sched.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

namespace faultbench {

namespace {

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// ceil(quota / period), 0 when there is no quota.
int quota_cpus(long long quota, long long period) {
  if (quota <= 0 || period <= 0) return 0;
  return int((quota + period - 1) / period);
}

// The cgroup this process is in (v2: the "0::" line of /proc/self/cgroup).
std::string cgroup_v2_dir() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("0::", 0) == 0) return "/sys/fs/cgroup" + line.substr(3);
  return "";
}

int cgroup_quota_cpus() {
  const std::string v2 = cgroup_v2_dir();
  if (!v2.empty()) {
    // The limit may be set on any ancestor: take the smallest on the way up.
    int best = 0;
    for (std::string dir = v2; dir.size() >= std::string("/sys/fs/cgroup").size();) {
      const int c = cpus_from_cgroup_v2(first_line(dir + "/cpu.max"));
      if (c > 0 && (best == 0 || c < best)) best = c;
      if (dir == "/sys/fs/cgroup") break;
      dir = dir.substr(0, dir.find_last_of('/'));
    }
    if (best > 0) return best;
  }
  const std::string q = first_line("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"),
                    p = first_line("/sys/fs/cgroup/cpu/cpu.cfs_period_us");
  if (!q.empty() && !p.empty()) return quota_cpus(std::atoll(q.c_str()), std::atoll(p.c_str()));
  return 0;
}

}  // namespace

int cpus_from_cgroup_v2(const std::string& cpu_max) {
  std::istringstream in(cpu_max);
  std::string quota;
  long long period = 0;
  if (!(in >> quota >> period) || quota == "max") return 0;
  return quota_cpus(std::atoll(quota.c_str()), period);
}

CpuAllocation available_cpus() {
  const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  CpuAllocation a{cores, fmt::format("{} cores", cores)};
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0 && n <= a.cpus) a = {n, fmt::format("CPU affinity: {} of {} cores", n, cores)};
  }
  if (const int q = cgroup_quota_cpus(); q > 0 && q < a.cpus) a = {q, fmt::format("cgroup CPU quota: {} CPUs", q)};
  if (const char* s = std::getenv("SLURM_CPUS_PER_TASK"); s && *s) {
    const int n = std::atoi(s);
    if (n > 0 && n < a.cpus) a = {n, fmt::format("SLURM_CPUS_PER_TASK={}", n)};
  }
  return a;
}

}  // namespace faultbench
