// One campaign over the ranks of an MPI job (`mpirun -np N faultbench campaign ...`, or
// `srun` under Slurm): built only when CMake finds MPI (FAULTBENCH_MPI, docs/CLUSTER.md).
//
// Rank 0 runs run_campaign as a single process does (checks, journal, results) with an
// MpiDistribution: it hands the planned batches out one at a time, in plan order, to
// whichever rank asks (itself included: a second thread of rank 0 runs batches on its own
// engine while the first coordinates), and journals each finished batch as it comes back.
// Every other rank runs run_mpi_worker: it waits for rank 0's go, loads the same inputs,
// checks that its binding (the sha256 of every input) is rank 0's, and runs what it is given
// until told to stop. Only rank 0 writes files. A batch's counts do not depend on the rank or
// its threads, so RESULTS.csv is the bytes of a single-process run.
//
// A rank that dies ends the job (mpirun aborts it); rank 0's journal holds every batch it
// received, and a rerun with any number of ranks, or without MPI, resumes from it.
#pragma once
#include <atomic>
#include <memory>
#include <string>

#include "faultbench/campaign/campaign.h"
#include "faultbench/campaign/work_distribution.h"

namespace faultbench::cluster {

// True when an MPI launcher started this process (Open MPI's mpirun, or a PMI/PMIx launcher
// such as srun): only then is MPI initialized, so a plain `faultbench campaign` never is.
bool launched_by_mpi();

// MPI_Init_thread (MPI_THREAD_FUNNELED: only the main thread calls MPI) .. MPI_Finalize.
class MpiSession {
 public:
  MpiSession();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  int rank() const { return rank_; }
  int size() const { return size_; }
  int ranks_on_this_node() const { return local_size_; }
  const std::string& host() const { return host_; }

 private:
  int rank_ = 0, size_ = 1, local_size_ = 1;
  std::string host_;
};

// Rank 0's side. The destructor (or release_workers) tells every worker to stop, after
// taking back the batches still in flight, so that every rank leaves cleanly.
class MpiDistribution : public WorkDistribution {
 public:
  explicit MpiDistribution(const MpiSession& session);
  ~MpiDistribution() override;
  bool run(const WorkPlan& plan, CampaignEngine& engine, const BatchDone& on_done, const std::atomic<bool>* stop,
           const std::function<void(int64_t)>& on_work) override;
  int processes() const override;
  void release_workers();

  struct State;

 private:
  std::unique_ptr<State> state_;
};

// A worker rank's side: returns when rank 0 says stop. Errors (inputs that do not load,
// another binding, a failed batch) are sent to rank 0, which names the rank and stops the run.
void run_mpi_worker(const MpiSession& session, const CampaignSpec& spec, const std::atomic<bool>* stop);

}  // namespace faultbench::cluster
