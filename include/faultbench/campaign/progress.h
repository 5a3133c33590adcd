// Campaign progress on stderr: a live line (faults done / total, fault-images per second,
// ETA) when the stream is a terminal; otherwise the same figures as a plain line once a
// minute (for log files of long runs) and one summary line at the end.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace faultbench {

class ProgressReporter {
 public:
  // live: redraw a status line (use isatty(fileno(out))).
  ProgressReporter(std::FILE* out, bool live);

  // Called once: the campaign size and what a journal already holds.
  void start(int64_t total_faults, int64_t done_faults, int64_t images);
  // Work finished since the last call, in fault-images (from the engine).
  void add_work(int64_t fault_images);
  // Faults whose results are journaled so far (total, including resumed ones).
  void set_done(int64_t done_faults);
  // Ends the live line and prints "campaign: <status>: ..." with the session's figures.
  void finish(const std::string& status);

  int64_t session_fault_images() const { return work_; }
  double session_seconds() const;

 private:
  void draw(bool force);
  std::FILE* out_;
  bool live_;
  int64_t total_ = 0, done_ = 0, images_ = 0, work_ = 0, start_done_ = 0;
  std::chrono::steady_clock::time_point t0_, last_draw_;
  bool drawn_ = false;
};

// "1h02m03s", "4m05s", "12s".
std::string format_duration(double seconds);

}  // namespace faultbench
