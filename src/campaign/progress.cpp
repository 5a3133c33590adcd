#include "faultbench/campaign/progress.h"

#include <cmath>

#include <fmt/format.h>

namespace faultbench {

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const int64_t t = int64_t(std::llround(s));
  if (t >= 3600) return fmt::format("{}h{:02}m{:02}s", t / 3600, (t / 60) % 60, t % 60);
  if (t >= 60) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}s", t);
}

ProgressReporter::ProgressReporter(std::FILE* out, bool live) : out_(out), live_(live) {
  t0_ = last_draw_ = std::chrono::steady_clock::now();
}

double ProgressReporter::session_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
}

void ProgressReporter::start(int64_t total_faults, int64_t done_faults, int64_t images) {
  total_ = total_faults;
  done_ = start_done_ = done_faults;
  images_ = images;
  t0_ = std::chrono::steady_clock::now();
  if (done_faults > 0 && out_)
    std::fprintf(out_, "campaign: resuming: %lld of %lld faults already done\n", (long long)done_faults,
                 (long long)total_faults);
  draw(true);
}

void ProgressReporter::add_work(int64_t fault_images) {
  work_ += fault_images;
  draw(false);
}

void ProgressReporter::set_done(int64_t done_faults) {
  done_ = done_faults;
  draw(false);
}

void ProgressReporter::draw(bool force) {
  if (!out_) return;
  const auto now = std::chrono::steady_clock::now();
  // Not a terminal (a log file): a plain line a minute, so long runs still show progress.
  if (!live_) {
    if (now - last_draw_ < std::chrono::seconds(60)) return;
    force = true;
  }
  if (!force && now - last_draw_ < std::chrono::milliseconds(250)) return;
  last_draw_ = now;
  const double secs = session_seconds();
  const double rate = secs > 0 ? double(work_) / secs : 0.0;
  const double left = double(total_ - start_done_) * double(images_) - double(work_);
  const std::string eta = rate > 0 ? format_duration(left / rate) : "?";
  std::fprintf(out_, "%scampaign: %lld/%lld faults  %.0f fault-images/s  ETA %s%s", live_ ? "\r\033[K" : "",
               (long long)done_, (long long)total_, rate, eta.c_str(), live_ ? "" : "\n");
  std::fflush(out_);
  drawn_ = live_;
}

void ProgressReporter::finish(const std::string& status) {
  if (!out_) return;
  if (drawn_) std::fprintf(out_, "\r\033[K");
  const double secs = session_seconds();
  const double rate = secs > 0 ? double(work_) / secs : 0.0;
  std::fprintf(out_, "campaign: %s: %lld/%lld faults done, %lld images, %lld fault-images in %s (%.0f fault-images/s)\n",
               status.c_str(), (long long)done_, (long long)total_, (long long)images_, (long long)work_,
               format_duration(secs).c_str(), rate);
  std::fflush(out_);
}

}  // namespace faultbench
