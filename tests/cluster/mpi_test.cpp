// `mpirun -np N faultbench campaign`: one campaign over N ranks writes the bytes of a
// single-process run; a rank killed mid-run stops the job, and reruns with another number
// of ranks, then without MPI, resume to the same bytes. Skipped in a build without MPI.
#include <gtest/gtest.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "campaign/cli_fixture.h"
#include "faultbench/campaign/campaign.h"
#include "faultbench/campaign/journal.h"

namespace faultbench {
namespace {

using testing::run_cli;
using testing::slurp;
using testing::slurp_sidecar;

#if FAULTBENCH_WITH_MPI
constexpr bool kWithMpi = true;
#else
constexpr bool kWithMpi = false;
#endif

bool have_mpirun() { return std::system("mpirun --version > /dev/null 2>&1") == 0; }

// mpirun with the flags a CI container needs: more ranks than cores, root, and no
// cross-memory attach between ranks (containers often forbid the ptrace it needs).
std::vector<std::string> mpirun(int ranks) {
  std::vector<std::string> a = {"mpirun", "--oversubscribe",    "--mca", "btl_vader_single_copy_mechanism", "none",
                                "-np",    std::to_string(ranks)};
  if (::geteuid() == 0) a.push_back("--allow-run-as-root");
  a.push_back(testing::cli_path().string());
  return a;
}

struct Child {
  pid_t pid = -1;
  std::filesystem::path err;
};

Child spawn(std::vector<std::string> argv, const std::filesystem::path& err) {
  Child c{::fork(), err};
  if (c.pid == 0) {
    ::setpgid(0, 0);  // its own process group: the test kills only what it started
    const int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  return c;
}

int wait_exit(const Child& c) {
  int status = 0;
  ::waitpid(c.pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<std::string> cat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// 30 faults, one per journaled batch, on 96 images: a few seconds, many batches to kill in.
std::vector<std::string> campaign(const std::filesystem::path& out, const std::string& mode = "fast", int images = 96) {
  return testing::fixture_campaign_args(out, images, {"--threads", "1", "--fault-batch", "1", "--mode", mode});
}

int64_t journal_records(const std::filesystem::path& journal) {
  try {
    return parse_journal(slurp(journal), journal.string()).records;
  } catch (...) {
    return 0;
  }
}

// The pid of MPI rank `rank` among the children of `launcher`; -1 when not found.
pid_t rank_pid(pid_t launcher, int rank) {
  DIR* proc = ::opendir("/proc");
  pid_t found = -1;
  while (dirent* e = proc ? ::readdir(proc) : nullptr) {
    const pid_t pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    const std::string stat = slurp(std::filesystem::path("/proc") / e->d_name / "stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    int ppid = 0;
    char state = 0;
    if (std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid) != 2 || ppid != launcher) continue;
    const std::string env = slurp(std::filesystem::path("/proc") / e->d_name / "environ");
    if (env.find("OMPI_COMM_WORLD_RANK=" + std::to_string(rank) + std::string(1, '\0')) != std::string::npos)
      found = pid;
  }
  if (proc) ::closedir(proc);
  return found;
}

// Waits until the journal holds at least `records` batches, then SIGKILLs rank `rank`.
// Returns the records the journal held at the kill (0: the job ended first).
int64_t kill_rank_after(const Child& job, const std::filesystem::path& journal, int64_t records, int rank) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(job.pid, nullptr, WNOHANG) == job.pid) return 0;
    const int64_t n = journal_records(journal);
    if (n >= records) {
      const pid_t victim = rank_pid(job.pid, rank);
      if (victim > 0 && ::kill(victim, SIGKILL) == 0) return n;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return 0;
}

class MpiCampaign : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!kWithMpi) GTEST_SKIP() << "built without MPI";
    if (!have_mpirun()) GTEST_SKIP() << "no mpirun";
  }
};

const std::string& single_process(std::string* sidecar = nullptr) {
  static std::string csv, json;
  if (csv.empty()) {
    const auto dir = testing::make_temp_dir("mpi-ref");
    const auto r = run_cli(campaign(dir / "R.csv"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    csv = slurp(dir / "R.csv");
    json = slurp_sidecar(dir / "R.csv.json");
  }
  if (sidecar) *sidecar = json;
  return csv;
}

TEST_F(MpiCampaign, ThreeRanksWriteTheBytesOfOneProcess) {
  const auto dir = testing::make_temp_dir("mpi-3");
  const Child job = spawn(cat(mpirun(3), campaign(dir / "R.csv")), dir / "err");
  ASSERT_EQ(wait_exit(job), 0) << slurp(dir / "err");
  std::string sidecar;
  EXPECT_EQ(slurp(dir / "R.csv"), single_process(&sidecar));
  EXPECT_EQ(slurp_sidecar(dir / "R.csv.json"), sidecar);  // all but "run" (which records 3 processes)
  EXPECT_NE(slurp(dir / "R.csv.json").find("\"processes\": 3"), std::string::npos);
  EXPECT_NE(slurp(dir / "err").find("MPI: 3 ranks"), std::string::npos) << slurp(dir / "err");
}

TEST_F(MpiCampaign, AKilledRankStopsTheJobAndAnyRerunResumesToTheSameBytes) {
  const auto dir = testing::make_temp_dir("mpi-kill");
  const auto out = dir / "R.csv", journal = journal_path_for(out);
  // Three ranks; rank 1 is killed once three batches are journaled. Brute force: every
  // fault a full forward of every image, on enough images that a fault outlasts the time
  // mpirun takes to abort the job after the kill (rank 0 goes on journaling until then), so
  // that faults are left for the second kill on an idle machine too (its results are the
  // fast mode's, docs/DETERMINISM.md).
  constexpr int kImages = 320;
  Child job = spawn(cat(mpirun(3), campaign(out, "brute-force", kImages)), dir / "err1");
  const int64_t at_first_kill = kill_rank_after(job, journal, 3, 1);
  ASSERT_GT(at_first_kill, 0) << "the job ended before a rank could be killed";
  EXPECT_NE(wait_exit(job), 0);
  EXPECT_NE(slurp(dir / "err1").find("signal 9"), std::string::npos) << slurp(dir / "err1");
  EXPECT_FALSE(std::filesystem::exists(out));
  const int64_t kept = journal_records(journal);
  EXPECT_GE(kept, at_first_kill);  // nothing journaled is lost
  // Two ranks resume it; rank 1 is killed again a few batches later.
  job = spawn(cat(mpirun(2), campaign(out, "brute-force", kImages)), dir / "err2");
  const int64_t at_second_kill = kill_rank_after(job, journal, kept + 3, 1);
  ASSERT_GT(at_second_kill, 0) << "the job ended before a rank could be killed: " << slurp(dir / "err2");
  EXPECT_NE(wait_exit(job), 0);
  EXPECT_NE(slurp(dir / "err2").find("resuming"), std::string::npos) << slurp(dir / "err2");
  EXPECT_GE(journal_records(journal), at_second_kill);
  // One process without MPI finishes it.
  const auto r = run_cli(campaign(out, "brute-force", kImages));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("resuming"), std::string::npos) << r.err;
  const auto ref = run_cli(campaign(dir / "ref.csv", "fast", kImages));  // one process, never killed
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  EXPECT_EQ(slurp(out), slurp(dir / "ref.csv"));
}

}  // namespace
}  // namespace faultbench
