// Helpers for the crash tests (issue 7, item 2): a small campaign workload built from the
// campaign test fixtures, a child-process runner that can be stopped/killed while we watch
// its journal, the journal/result invariants checked after every interruption, and RAII
// mounts (tmpfs, read-only bind) that are always unmounted.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "campaign/cli_fixture.h"  // cli_setup(): random ResNet20 weights + CIFAR-10 file
#include "faultbench/campaign/campaign.h"
#include "faultbench/campaign/journal.h"
#include "faultbench/campaign/results_csv.h"
#include "faultbench/faults/fault_list_csv.h"
#include "faultbench/zoo/zoo.h"
#include "test_support.h"

namespace faultbench::testing {

// An integer from the environment (the full script raises the counts), else `fallback`.
inline int64_t env_int(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoll(v) : fallback;
}

// A fault list of `count` random faults on the fixture's ResNet20 (its weights: seed 99 as
// in cli_setup(); random_faults looks at their signs), written into `dir`.
inline std::filesystem::path crash_fault_list(const std::filesystem::path& dir, int count, uint32_t seed) {
  Graph g = build_model("resnet20", "cifar10");
  randomize_weights(g, 99);
  FaultList list;
  list.faults = random_faults(g, count, seed);
  const auto path = dir / ("faults-" + std::to_string(count) + "-" + std::to_string(seed) + ".csv");
  write_fault_list(path, list);
  return path;
}

// The campaign command line: the fixture's weights and data, `faults`, one fault per
// journaled batch (the journal grows in many small steps), 2 threads.
inline std::vector<std::string> crash_args(const std::filesystem::path& faults, const std::filesystem::path& out,
                                           int images) {
  return fixture_campaign_args(out, images, {"--faults", faults.string(), "--fault-batch", "1"});
}

// The faultbench CLI as a child process; stderr goes to a file, stdout to /dev/null.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
    static int counter = 0;
    err_path_ = std::filesystem::temp_directory_path() /
                ("faultbench-crash-err-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    const std::string exe = cli_path().string();
    std::vector<std::string> argv_s = {exe};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<std::string> env_s = env;
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 2);
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      for (std::string& e : env_s) ::putenv(e.data());
      std::vector<char*> argv;
      for (std::string& a : argv_s) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(exe.c_str(), argv.data());
      ::_exit(127);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (!reaped_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    std::filesystem::remove(err_path_);
  }

  // True once the child has exited (reaps it).
  bool exited() {
    if (reaped_) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
    record(status);
    return true;
  }
  void signal(int sig) const {
    if (!reaped_) ::kill(pid_, sig);
  }
  // Waits for the child; one still running after `limit` (a hang) is killed and marked
  // timed_out() rather than blocking the test suite.
  void wait(std::chrono::seconds limit = std::chrono::seconds(120)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!exited()) {
      if (std::chrono::steady_clock::now() > deadline) {
        timed_out_ = true;
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        record(status);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  pid_t pid() const { return pid_; }
  bool timed_out() const { return timed_out_; }
  int exit_code() const { return exit_code_; }  // -1 when ended by a signal
  int term_signal() const { return signal_; }
  std::string err() const {
    return slurp(err_path_) + (timed_out_ ? "\n[the test killed it: still running after 120 s]" : "");
  }

 private:
  void record(int status) {
    reaped_ = true;
    if (WIFEXITED(status)) exit_code_ = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) signal_ = WTERMSIG(status);
  }
  pid_t pid_ = -1;
  bool reaped_ = false, timed_out_ = false;
  int exit_code_ = -1, signal_ = 0;
  std::filesystem::path err_path_;
};

// Batch records in the journal at `path` now (0 when absent; a torn tail is not counted).
inline int64_t journal_records(const std::filesystem::path& path) {
  const std::string bytes = slurp(path);
  if (bytes.empty()) return 0;
  return parse_journal(bytes, path.string()).records;
}

// Waits (polling every 0.2 ms) until the journal holds `records` batch records, the child
// exits, or two minutes pass (a hang); true in the first case.
inline bool wait_for_records(Child& child, const std::filesystem::path& journal, int64_t records) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!child.exited() && std::chrono::steady_clock::now() < deadline) {
    if (journal_records(journal) >= records) return true;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return false;
}

// Per-fault counts (masked, non_critical, critical, due, top1_correct) of a result CSV, in
// row order. The last six fields are numbers, so they are split off from the right (the
// quoted TensorIndex before them contains commas).
inline std::vector<FaultCounts> counts_of_results(const std::string& csv) {
  std::vector<FaultCounts> out;
  size_t line_start = csv.find('\n') + 1;  // skip the header
  while (line_start < csv.size()) {
    const size_t end = csv.find('\n', line_start);
    const std::string line = csv.substr(line_start, end - line_start);
    std::vector<int64_t> tail;
    size_t stop = line.size();
    for (int k = 0; k < 5; ++k) {
      const size_t comma = line.rfind(',', stop - 1);
      tail.insert(tail.begin(), std::atoll(line.c_str() + comma + 1));
      stop = comma;
    }
    out.push_back(FaultCounts{tail[0], tail[1], tail[2], tail[3], tail[4]});
    if (end == std::string::npos) break;
    line_start = end + 1;
  }
  return out;
}

// A tmpfs mounted at `dir` for the lifetime of the object (unmounted in the destructor,
// lazily if something still holds it). ok() is false, with why(), when mounting is not
// permitted (not root, no CAP_SYS_ADMIN, in a container that forbids it).
class TmpfsMount {
 public:
  TmpfsMount(std::filesystem::path dir, const std::string& options) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) == 0)
      mounted_ = true;
    else
      why_ = std::string("mount -t tmpfs -o ") + options + " " + dir_.string() + ": " + std::strerror(errno);
  }
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
  ~TmpfsMount() {
    if (mounted_ && ::umount2(dir_.c_str(), 0) != 0) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool ok() const { return mounted_; }
  const std::string& why() const { return why_; }
  // Changes the options in place (e.g. "size=1m": space is back); "" on success.
  std::string remount(const std::string& options) {
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT, options.c_str()) == 0) return "";
    return std::string("remount ") + options + ": " + std::strerror(errno);
  }

 private:
  std::filesystem::path dir_;
  bool mounted_ = false;
  std::string why_;
};

// `dir` bind-mounted read-only over itself. Unlike `mount -o remount,ro` (refused while a
// file is open for writing), this works while a campaign runs: its open journal keeps
// working through the old mount, every new open/create in `dir` fails with EROFS. Tests run
// as root, for whom chmod would not stop any write.
class ReadOnlyBind {
 public:
  explicit ReadOnlyBind(std::filesystem::path dir) : dir_(std::move(dir)) {
    if (::mount(dir_.c_str(), dir_.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      why_ = "bind mount " + dir_.string() + ": " + std::strerror(errno);
      return;
    }
    mounted_ = true;
    if (::mount(nullptr, dir_.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0)
      why_ = "remount read-only " + dir_.string() + ": " + std::strerror(errno);
  }
  ReadOnlyBind(const ReadOnlyBind&) = delete;
  ReadOnlyBind& operator=(const ReadOnlyBind&) = delete;
  ~ReadOnlyBind() { release(); }
  bool ok() const { return mounted_ && why_.empty(); }
  const std::string& why() const { return why_; }
  // Makes `dir` writable again.
  void release() {
    if (mounted_ && ::umount2(dir_.c_str(), 0) != 0) ::umount2(dir_.c_str(), MNT_DETACH);
    mounted_ = false;
  }

 private:
  std::filesystem::path dir_;
  bool mounted_ = false;
  std::string why_;
};

// Names of the entries of `dir`, sorted.
inline std::vector<std::string> dir_listing(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace faultbench::testing
