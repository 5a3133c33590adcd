// The default thread count follows the CPU allocation (taskset, cgroup quota, Slurm).
#include "faultbench/util/cpu_allocation.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace faultbench {
namespace {

TEST(CpuAllocation, CgroupV2QuotaRoundsUp) {
  EXPECT_EQ(cpus_from_cgroup_v2("max 100000"), 0);
  EXPECT_EQ(cpus_from_cgroup_v2("150000 100000"), 2);
  EXPECT_EQ(cpus_from_cgroup_v2("100000 100000"), 1);
  EXPECT_EQ(cpus_from_cgroup_v2("50000 100000"), 1);
  EXPECT_EQ(cpus_from_cgroup_v2(""), 0);
  EXPECT_EQ(cpus_from_cgroup_v2("garbage"), 0);
}

TEST(CpuAllocation, SlurmCpusPerTaskLimitsTheDefault) {
  setenv("SLURM_CPUS_PER_TASK", "1", 1);
  const CpuAllocation a = available_cpus();
  unsetenv("SLURM_CPUS_PER_TASK");
  EXPECT_EQ(a.cpus, 1);
  if (available_cpus().cpus > 1) EXPECT_EQ(a.reason, "SLURM_CPUS_PER_TASK=1");
}

}  // namespace
}  // namespace faultbench
