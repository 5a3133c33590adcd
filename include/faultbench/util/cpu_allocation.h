// How many CPUs this process may use: what `taskset`, a container's CPU quota or a Slurm
// allocation gives it, not the machine's core count (a 128-core node where the job got 4
// must not start 128 threads).
#pragma once
#include <string>

namespace faultbench {

struct CpuAllocation {
  int cpus = 1;        // threads to use by default (at least 1)
  std::string reason;  // what decided it, e.g. "CPU affinity: 4 of 64 cores"
};

// The smallest of: the CPUs in the process's affinity mask (sched_getaffinity), the cgroup
// CPU quota rounded up (cgroup v2 cpu.max, v1 cpu.cfs_quota_us / cpu.cfs_period_us), and
// Slurm's SLURM_CPUS_PER_TASK when set; the machine's core count when none is known.
CpuAllocation available_cpus();

// The parts, exposed for tests: the quota in CPUs from cgroup v2's cpu.max text
// ("max 100000" -> 0, i.e. none; "150000 100000" -> 2).
int cpus_from_cgroup_v2(const std::string& cpu_max);

}  // namespace faultbench
