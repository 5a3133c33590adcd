// Campaign progress on stderr, like the tools people know (tqdm):
//
//   campaign:  37%|#######4            | 6151/16625 faults [12:04<20:31, 8512 fault-images/s]
//
// On a terminal the line is redrawn at least once a second from the start (a ticker thread,
// so a long first batch still shows the clock moving); in a log file (no terminal, e.g. a
// Slurm job) a plain line is written at the start, every `log_interval` and at the end.
//
// The ETA weighs the work still to do by its expected cost: faults in early layers recompute
// most of the network, faults in the classifier almost nothing, and a campaign runs its
// faults layer by layer, so a plain rate from the first minutes is several times off. Each
// batch of faults carries a prior cost per fault-image (the campaign uses the multiply-adds
// a fault of its layer recomputes); the measured time per unit of prior cost so far
// (elapsed / weighted work done) turns the weighted work left into seconds.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace faultbench {

// One journaled batch of the campaign, in the order it will run.
struct ProgressBatch {
  int64_t faults = 0;
  double cost_per_fault_image = 1.0;  // prior, in any unit (only ratios matter)
};

// Weighted work, pure functions of the plan and the fault-images finished so far: the work
// done counts each finished fault-image of a batch at that batch's cost.
double weighted_work(const std::vector<ProgressBatch>& batches, int64_t images, int64_t fault_images_done);
// Seconds left: (total - done) * elapsed / done; negative (unknown) before any work is done.
double estimate_seconds_left(double weighted_total, double weighted_done, double elapsed_seconds);

class ProgressReporter {
 public:
  // live: redraw one status line (use isatty(fileno(out))); otherwise log lines.
  ProgressReporter(std::FILE* out, bool live, std::chrono::seconds log_interval = std::chrono::seconds(60));
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  // A line printed by start() before the first status line (e.g. the threads chosen), so
  // that nothing is printed for a campaign refused before it starts.
  void set_preamble(std::string line) { preamble_ = std::move(line); }
  // Called once: the campaign size, what a journal already holds, and the batches still to
  // run (empty: every remaining fault costs the same).
  void start(int64_t total_faults, int64_t done_faults, int64_t images, std::vector<ProgressBatch> batches = {});
  // Work finished since the last call, in fault-images (from the engine's threads).
  void add_work(int64_t fault_images);
  // Faults whose results are journaled so far (total, including resumed ones).
  void set_done(int64_t done_faults);
  // Text appended to the status line (the --until-margin rate and margin); "" for none.
  void set_note(std::string note);
  // Ends the live line and prints "campaign: <status>: ..." with the session's figures.
  void finish(const std::string& status);

  int64_t session_fault_images() const { return work_.load(); }
  double session_seconds() const;
  // The current status line (without terminal control characters), for tests.
  std::string status_line() const;

 private:
  void draw(bool force);
  void ticker();
  std::FILE* out_;
  bool live_;
  std::chrono::seconds log_interval_;
  int64_t total_ = 0, images_ = 0, start_done_ = 0;
  std::atomic<int64_t> done_{0}, work_{0};
  std::vector<ProgressBatch> batches_;
  std::string preamble_;
  std::string note_;  // guarded by note_mu_
  mutable std::mutex note_mu_;
  double weighted_total_ = 0;
  std::chrono::steady_clock::time_point t0_, last_draw_;
  bool drawn_ = false, started_ = false;
  mutable std::mutex mu_;  // guards drawing and last_draw_/drawn_
  std::mutex tick_mu_;
  std::condition_variable tick_cv_;
  bool stop_ticker_ = false;
  std::thread ticker_;
};

// "1:02:03", "4:05", "0:12" (tqdm's clock format).
std::string format_clock(double seconds);
// "1h02m03s", "4m05s", "12s".
std::string format_duration(double seconds);

}  // namespace faultbench
