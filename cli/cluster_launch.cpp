#include "cluster_launch.h"

#if FAULTBENCH_WITH_MPI
#include <mpi.h>

#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include "faultbench/cluster/mpi_distribution.h"
#include "faultbench/error.h"
#include "faultbench/util/cpu_allocation.h"
#include "faultbench/util/parallel.h"
#endif

namespace faultbench::cli {

#if FAULTBENCH_WITH_MPI
namespace {

class MpiLaunch : public ClusterLaunch {
 public:
  MpiLaunch() : distribution_(session_) {}
  bool is_worker() const override { return session_.rank() != 0; }
  WorkDistribution* distribution() override { return &distribution_; }
  void run_worker(const CampaignSpec& spec, const std::atomic<bool>* stop) override {
    try {
      cluster::run_mpi_worker(session_, spec, stop);
    } catch (const std::exception& e) {
      // Not an error rank 0 can report (a broken message): this rank ends the job.
      std::fprintf(stderr, "faultbench: error: rank %d (%s): %s\n", session_.rank(), session_.host().c_str(), e.what());
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
  }
  int default_threads() const override {
    const int cpus = available_cpus().cpus;
    // Without a binding or an allocation, every rank sees every core: share them.
    const int machine = int(std::max(1u, std::thread::hardware_concurrency()));
    const int threads = cpus >= machine ? std::max(1, cpus / session_.ranks_on_this_node()) : cpus;
    return std::min(threads, ThreadPool::kMaxThreads);
  }
  std::string describe() const override {
    return fmt::format("MPI: {} ranks ({} on {}), each with its threads; rank 0 coordinates and writes the files",
                       session_.size(), session_.ranks_on_this_node(), session_.host());
  }

 private:
  cluster::MpiSession session_;
  cluster::MpiDistribution distribution_;
};

}  // namespace
#endif

std::unique_ptr<ClusterLaunch> launch_cluster() {
#if FAULTBENCH_WITH_MPI
  if (cluster::launched_by_mpi()) return std::make_unique<MpiLaunch>();
#endif
  return nullptr;
}

}  // namespace faultbench::cli
