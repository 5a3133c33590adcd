// A self-contained campaign setup for the CLI tests: random ResNet20 weights
// (safetensors), a CIFAR-10 test file of random images, a random fault list, and a
// helper that runs the faultbench binary as a child process (optionally killing it).
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "campaign_fixtures.h"
#include "faultbench/faults/fault_list_csv.h"
#include "faultbench/io/safetensors.h"
#include "test_support.h"

namespace faultbench::testing {

struct CliSetup {
  std::filesystem::path dir, weights, data, faults;
};

// Built once per test binary and shared (read-only) by the tests.
inline const CliSetup& cli_setup() {
  static const CliSetup s = [] {
    CliSetup c;
    c.dir = make_temp_dir("campaign-cli");
    Graph g = build_model("resnet20", "cifar10");
    randomize_weights(g, 99);
    c.weights = c.dir / "weights.safetensors";
    write_safetensors(g, c.weights);
    c.data = c.dir / "data";
    std::filesystem::create_directories(c.data / "cifar-10-batches-bin");
    std::mt19937 rng(5);
    std::string bytes(size_t(10000) * 3073, '\0');
    for (size_t r = 0; r < 10000; ++r) {
      bytes[r * 3073] = char(rng() % 10);
      for (size_t i = 1; i < 3073; ++i) bytes[r * 3073 + i] = char(rng() & 0xff);
    }
    std::ofstream(c.data / "cifar-10-batches-bin" / "test_batch.bin", std::ios::binary) << bytes;
    FaultList list;
    list.faults = random_faults(g, 30, 77);
    c.faults = c.dir / "faults.csv";
    write_fault_list(c.faults, list);
    return c;
  }();
  return s;
}

struct CliResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string err;  // stderr
};

// Runs faultbench with `args`; extra environment entries "K=V"; when kill_after_ms >= 0
// sends `sig` to the child after that delay (if it is still running).
inline CliResult run_cli(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
                         int kill_after_ms = -1, int sig = SIGKILL) {
  static int counter = 0;
  const auto err_path = std::filesystem::temp_directory_path() /
                        ("faultbench-cli-err-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  const std::string exe = cli_path().string();
  std::vector<std::string> argv_s = {exe};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    for (const std::string& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv;
    for (std::string& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  CliResult r;
  int status = 0;
  if (kill_after_ms >= 0) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kill_after_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid, &status, WNOHANG) == pid) goto done;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ::kill(pid, sig);
  }
  ::waitpid(pid, &status, 0);
done:
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  std::ifstream in(err_path);
  r.err.assign(std::istreambuf_iterator<char>(in), {});
  std::filesystem::remove(err_path);
  return r;
}

// `faultbench campaign` on the fixture (random ResNet20 weights, its CIFAR-10 file and
// fault list) into `out`, `images` stratified images, 2 threads, 3 faults per batch;
// extra: "--option value" pairs that replace the defaults or are appended.
inline std::vector<std::string> fixture_campaign_args(const std::filesystem::path& out, int images,
                                                      const std::vector<std::string>& extra) {
  const CliSetup& s = cli_setup();
  std::vector<std::string> a = {"campaign",
                                "--model",
                                "resnet20",
                                "--dataset",
                                "cifar10",
                                "--weights",
                                s.weights.string(),
                                "--data-dir",
                                s.data.string(),
                                "--faults",
                                s.faults.string(),
                                "--out",
                                out.string(),
                                "--images",
                                std::to_string(images),
                                "--threads",
                                "2",
                                "--fault-batch",
                                "3"};
  for (size_t i = 0; i + 1 < extra.size(); i += 2) {
    auto it = std::find(a.begin(), a.end(), extra[i]);
    if (it != a.end())
      *(it + 1) = extra[i + 1];
    else
      a.insert(a.end(), {extra[i], extra[i + 1]});
  }
  return a;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A campaign sidecar without its "run" object (command line, times, CPU: how the run came
// about); everything else is a function of the inputs and must be byte-identical.
inline std::string slurp_sidecar(const std::filesystem::path& p) {
  const std::string text = slurp(p);
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return text;
  j.erase("run");
  return j.dump(2);
}

}  // namespace faultbench::testing
