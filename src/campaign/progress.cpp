#include "faultbench/campaign/progress.h"

#include <algorithm>
#include <cmath>
#include <system_error>

#include <fmt/format.h>

namespace faultbench {

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const int64_t t = int64_t(std::llround(s));
  if (t >= 3600) return fmt::format("{}h{:02}m{:02}s", t / 3600, (t / 60) % 60, t % 60);
  if (t >= 60) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}s", t);
}

std::string format_clock(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const int64_t t = int64_t(std::llround(s));
  if (t >= 3600) return fmt::format("{}:{:02}:{:02}", t / 3600, (t / 60) % 60, t % 60);
  return fmt::format("{:02}:{:02}", t / 60, t % 60);
}

double weighted_work(const std::vector<ProgressBatch>& batches, int64_t images, int64_t fault_images_done) {
  double done = 0;
  int64_t left = fault_images_done;
  for (const ProgressBatch& b : batches) {
    if (left <= 0) break;
    const int64_t in_batch = std::min(left, b.faults * images);
    done += double(in_batch) * b.cost_per_fault_image;
    left -= in_batch;
  }
  return done;
}

double estimate_seconds_left(double weighted_total, double weighted_done, double elapsed_seconds) {
  if (!(weighted_done > 0) || elapsed_seconds <= 0) return -1;
  return std::max(0.0, weighted_total - weighted_done) * elapsed_seconds / weighted_done;
}

ProgressReporter::ProgressReporter(std::FILE* out, bool live, std::chrono::seconds log_interval)
    : out_(out), live_(live), log_interval_(log_interval) {
  t0_ = last_draw_ = std::chrono::steady_clock::now();
}

ProgressReporter::~ProgressReporter() {
  {
    std::lock_guard<std::mutex> lock(tick_mu_);
    stop_ticker_ = true;
  }
  tick_cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

double ProgressReporter::session_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
}

void ProgressReporter::start(int64_t total_faults, int64_t done_faults, int64_t images,
                             std::vector<ProgressBatch> batches) {
  total_ = total_faults;
  done_ = start_done_ = done_faults;
  images_ = images;
  if (batches.empty()) batches.push_back(ProgressBatch{total_faults - done_faults, 1.0});
  batches_ = std::move(batches);
  weighted_total_ = weighted_work(batches_, images_, INT64_MAX);
  t0_ = std::chrono::steady_clock::now();
  started_ = true;
  if (!preamble_.empty() && out_) std::fprintf(out_, "%s\n", preamble_.c_str());
  if (done_faults > 0 && out_)
    std::fprintf(out_, "campaign: resuming: %lld of %lld faults already done\n", (long long)done_faults,
                 (long long)total_faults);
  draw(true);
  if (!out_ || ticker_.joinable()) return;
  // The clock keeps moving while a long batch runs. Without a thread (a process or thread
  // limit reached) the line is still redrawn whenever work is reported.
  try {
    ticker_ = std::thread([this] { ticker(); });
  } catch (const std::system_error&) {
  }
}

void ProgressReporter::ticker() {
  std::unique_lock<std::mutex> lock(tick_mu_);
  const auto period = live_ ? std::chrono::seconds(1) : log_interval_;
  while (!tick_cv_.wait_for(lock, period, [this] { return stop_ticker_; })) {
    lock.unlock();
    draw(true);
    lock.lock();
  }
}

void ProgressReporter::add_work(int64_t fault_images) {
  work_ += fault_images;
  draw(false);
}

void ProgressReporter::set_done(int64_t done_faults) {
  done_ = done_faults;
  draw(false);
}

void ProgressReporter::set_note(std::string note) {
  {
    std::lock_guard<std::mutex> lock(note_mu_);
    note_ = std::move(note);
  }
  draw(false);
}

std::string ProgressReporter::status_line() const {
  const double secs = session_seconds();
  const int64_t work = work_.load();
  const double all = double(total_) * double(images_);
  const double frac = all > 0 ? std::clamp((double(start_done_) * double(images_) + double(work)) / all, 0.0, 1.0) : 0;
  const double rate = secs > 0 ? double(work) / secs : 0.0;
  const double left = estimate_seconds_left(weighted_total_, weighted_work(batches_, images_, work), secs);
  const std::string counts = fmt::format("{}/{} faults", done_.load(), total_);
  std::string clock = fmt::format("{}<{}, {:.0f} fault-images/s", format_clock(secs), format_clock(left), rate);
  {
    std::lock_guard<std::mutex> lock(note_mu_);
    if (!note_.empty()) clock += ", " + note_;
  }
  if (!live_) return fmt::format("campaign: {:3.0f}% {} [{}]", 100 * frac, counts, clock);
  // tqdm's ascii bar: 20 cells, the partly filled one as a digit.
  constexpr int kCells = 20;
  const double filled = frac * kCells;
  const int full = int(filled);
  std::string bar(size_t(full), '#');
  if (full < kCells) {
    const int tenth = int((filled - full) * 10);
    bar += tenth > 0 ? char('0' + tenth) : ' ';
    bar += std::string(size_t(kCells - full - 1), ' ');
  }
  return fmt::format("campaign: {:3.0f}%|{}| {} [{}]", 100 * frac, bar, counts, clock);
}

void ProgressReporter::draw(bool force) {
  if (!out_ || !started_) return;
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (!live_) {
    // A log file: the first line at once, then one every log_interval_.
    if (drawn_ && now - last_draw_ < log_interval_) return;
  } else if (!force && now - last_draw_ < std::chrono::milliseconds(250)) {
    return;
  }
  last_draw_ = now;
  const std::string line = status_line();
  std::fprintf(out_, "%s%s%s", live_ ? "\r\033[K" : "", line.c_str(), live_ ? "" : "\n");
  std::fflush(out_);
  drawn_ = true;
}

void ProgressReporter::finish(const std::string& status) {
  {
    std::lock_guard<std::mutex> lock(tick_mu_);
    stop_ticker_ = true;
  }
  tick_cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  if (!out_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (drawn_ && live_) std::fprintf(out_, "\r\033[K");
  const double secs = session_seconds();
  const int64_t work = work_.load();
  const double rate = secs > 0 ? double(work) / secs : 0.0;
  std::fprintf(out_,
               "campaign: %s: %lld/%lld faults done, %lld images, %lld fault-images in %s (%.0f fault-images/s)\n",
               status.c_str(), (long long)done_.load(), (long long)total_, (long long)images_, (long long)work,
               format_duration(secs).c_str(), rate);
  std::fflush(out_);
}

}  // namespace faultbench
