// `faultbench campaign` under an MPI launcher (mpirun, srun): the ranks of one campaign
// (faultbench/cluster/mpi_distribution.h). In a build without MPI, or when no launcher started
// the process, there is none and the campaign runs as always.
#pragma once
#include <atomic>
#include <memory>
#include <string>

#include "faultbench/campaign/campaign.h"

namespace faultbench::cli {

class ClusterLaunch {
 public:
  virtual ~ClusterLaunch() = default;
  virtual bool is_worker() const = 0;
  // Rank 0: where the batches run (every rank).
  virtual WorkDistribution* distribution() = 0;
  // Ranks > 0: runs what rank 0 hands out; returns when told to stop.
  virtual void run_worker(const CampaignSpec& spec, const std::atomic<bool>* stop) = 0;
  // Threads per rank when --threads is not given: the CPUs this process may use, shared by
  // the ranks on its node unless an allocation (affinity, Slurm) already split them.
  virtual int default_threads() const = 0;
  // "3 MPI ranks on 2 hosts" for the campaign's preamble.
  virtual std::string describe() const = 0;
};

// The launch when an MPI launcher started this process (MPI is initialized then, and
// finalized with the object); null otherwise.
std::unique_ptr<ClusterLaunch> launch_cluster();

}  // namespace faultbench::cli
