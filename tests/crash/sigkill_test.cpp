// Crash test (issue 7, item 2): a campaign killed at random moments and resumed each time
// ends with RESULTS.csv and its sidecar byte-identical to an uninterrupted run, and no
// interruption ever loses a journaled fault or leaves a wrong result file.
//
// Four kinds of interruption take turns; the moment within each is drawn from a seeded
// generator (FAULTBENCH_CRASH_SEED, printed):
//   delay   SIGKILL after a random delay within the uninterrupted run's duration
//   record  SIGKILL right after the journal reached a random record count, plus a random
//           fraction of one fault's work (between journal writes)
//   torn    the engine's hook dies halfway through writing a record (during a write)
//   before  the engine's hook dies just before writing a record
// FAULTBENCH_CRASH_KILLS SIGKILLs and as many hook crashes: CI runs 5 + 5 (default),
// scripts/crash_test.sh 20 + 20.
#include <gtest/gtest.h>

#include <iostream>
#include <random>
#include <set>

#include "crash/crash_support.h"

namespace faultbench {
namespace {

using namespace faultbench::testing;
using Clock = std::chrono::steady_clock;

struct Workload {
  std::filesystem::path dir, faults;
  int images = 16;
  int64_t faults_count = 40;
  std::string ref_csv, ref_sidecar;
  std::vector<FaultCounts> ref_counts;
  double run_ms = 0, first_record_ms = 0;  // uninterrupted run: total, first journal record
};

// The uninterrupted reference run, timed (the random delays are drawn within it).
const Workload& workload() {
  static const Workload w = [] {
    Workload w;
    w.dir = make_temp_dir("crash-sigkill");
    w.faults_count = env_int("FAULTBENCH_CRASH_FAULTS", 40);
    w.images = int(env_int("FAULTBENCH_CRASH_IMAGES", 16));
    w.faults = crash_fault_list(w.dir, int(w.faults_count), 4242);
    std::filesystem::create_directories(w.dir / "ref");
    const auto out = w.dir / "ref" / "R.csv";
    const auto t0 = Clock::now();
    Child c(crash_args(w.faults, out, w.images));
    while (!c.exited() && Clock::now() - t0 < std::chrono::seconds(120)) {
      if (w.first_record_ms == 0 && journal_records(journal_path_for(out)) >= 1)
        w.first_record_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    c.wait(std::chrono::seconds(1));
    w.run_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    EXPECT_EQ(c.exit_code(), 0) << c.err();
    w.ref_csv = slurp(out);
    w.ref_sidecar = slurp_sidecar(sidecar_path_for(out));
    w.ref_counts = counts_of_results(w.ref_csv);
    return w;
  }();
  return w;
}

// What an interruption may leave in the output folder, checked after every one: the
// journal parses (a torn tail at most), keeps every entry it had before in the same order,
// and every entry equals the uninterrupted result; a RESULTS.csv or sidecar that exists is
// already the final one.
void check_after_interruption(const std::filesystem::path& out, std::vector<JournalEntry>& entries,
                              int64_t& torn_tails) {
  const Workload& w = workload();
  // Issue change: temporary files have unique names, "<target>.tmp.XXXXXX".
  const std::set<std::string> allowed = {"R.csv", "R.csv.json", "R.csv.journal"};
  auto is_temp = [](const std::string& name) {
    return (name.rfind("R.csv.tmp.", 0) == 0 && name.size() == 16) ||
           (name.rfind("R.csv.json.tmp.", 0) == 0 && name.size() == 21);
  };
  for (const std::string& name : dir_listing(out.parent_path()))
    EXPECT_TRUE(allowed.count(name) || is_temp(name)) << "unexpected file " << name;
  const auto journal = journal_path_for(out);
  if (std::filesystem::exists(journal)) {
    const std::string bytes = slurp(journal);
    const ParsedJournal p = parse_journal(bytes, journal.string());  // throws on damage
    if (p.valid_bytes < bytes.size()) ++torn_tails;
    if (p.has_header) {
      EXPECT_EQ(p.binding.faults, w.faults_count);
      EXPECT_EQ(p.binding.images, w.images);
    }
    ASSERT_GE(p.entries.size(), entries.size()) << "journaled faults were lost";
    for (size_t i = 0; i < entries.size(); ++i)
      ASSERT_EQ(p.entries[i], entries[i]) << "journal entry " << i << " changed";
    for (const JournalEntry& e : p.entries)
      ASSERT_EQ(e.counts, w.ref_counts.at(size_t(e.position)))
          << "fault " << e.position << " differs from the uninterrupted run";
    entries = p.entries;
  } else {
    EXPECT_TRUE(std::filesystem::exists(out)) << "neither journal nor results after an interruption";
  }
  if (std::filesystem::exists(out)) {
    EXPECT_EQ(slurp(out), w.ref_csv) << "RESULTS.csv exists but is not the final one";
  }
  if (std::filesystem::exists(sidecar_path_for(out))) {
    EXPECT_EQ(slurp_sidecar(sidecar_path_for(out)), w.ref_sidecar) << "the sidecar exists but is not the final one";
  }
}

TEST(CrashTest, SigkillAtRandomMomentsResumesToIdenticalBytes) {
  const Workload& w = workload();
  ASSERT_FALSE(w.ref_csv.empty());
  ASSERT_EQ(int64_t(w.ref_counts.size()), w.faults_count);
  const uint64_t seed = uint64_t(env_int("FAULTBENCH_CRASH_SEED", 20260607));
  const int64_t wanted = env_int("FAULTBENCH_CRASH_KILLS", 5);
  std::cout << "crash test: seed " << seed << ", " << wanted << " kills, " << w.faults_count << " faults x " << w.images
            << " images, uninterrupted run " << int(w.run_ms) << " ms (first journal record at "
            << int(w.first_record_ms) << " ms)\n";
  std::mt19937_64 rng(seed);
  const auto out = w.dir / "run" / "R.csv";
  std::filesystem::create_directories(out.parent_path());
  const auto journal = journal_path_for(out);
  const auto args = crash_args(w.faults, out, w.images);
  // The timings the kills aim at: the reference run's, shrunk whenever a run completes
  // faster (a machine whose load drops after the reference run would otherwise make every
  // delay land after the end, and the kinds, which take turns, would never advance).
  double run_ms = w.run_ms, first_record_ms = w.first_record_ms;
  auto per_fault_us = [&] { return std::max(1.0, (run_ms - first_record_ms) * 1000.0 / double(w.faults_count)); };

  std::vector<JournalEntry> entries;  // what the journal held after the last interruption
  int64_t sigkills = 0, torn_hook = 0, before_hook = 0, runs = 0, completions = 0, torn_tails = 0;
  int64_t kinds[4] = {0, 0, 0, 0};  // interruptions by kind
  for (int attempt = 0; (sigkills < wanted || torn_hook + before_hook < wanted) && attempt < 8 * wanted + 8;
       ++attempt) {
    const int64_t have = journal_records(journal);
    // The kinds take turns (every kind is hit even in the short CI run); the moment within
    // a kind is random.
    int kind = int((sigkills + torn_hook + before_hook) % 4);  // delay, record, torn, before
    if (sigkills >= wanted) kind |= 2;                         // only hook crashes left
    if (torn_hook + before_hook >= wanted) kind &= 1;          // only SIGKILLs left
    std::vector<std::string> env;
    int64_t hook_after = -1;  // the hook dies at the append after this many records
    if (kind >= 2) {
      hook_after = have + int64_t(rng() % 4);
      env.push_back("FAULTBENCH_TEST_CRASH_AFTER_RECORDS=" + std::to_string(hook_after));
      if (kind == 2) env.push_back("FAULTBENCH_TEST_CRASH_TORN=1");
    }
    const auto started = Clock::now();
    Child c(args, env);
    ++runs;
    if (kind == 0) {
      // Delays within the reference run, mostly after start-up (where the journal grows).
      const double lo = 0.6 * first_record_ms;
      const double ms = lo + std::uniform_real_distribution<double>(0, std::max(1.0, run_ms - lo))(rng);
      const auto deadline = Clock::now() + std::chrono::microseconds(int64_t(ms * 1000));
      while (!c.exited() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::microseconds(200));
      c.signal(SIGKILL);
    } else if (kind == 1) {
      const int64_t target = have + 1 + int64_t(rng() % 3);
      const auto extra = std::chrono::microseconds(int64_t(double(rng() % 1000) / 1000.0 * per_fault_us()));
      if (wait_for_records(c, journal, target)) {
        const auto deadline = Clock::now() + extra;
        while (Clock::now() < deadline) {
        }
        c.signal(SIGKILL);
      }
    }
    c.wait();
    ASSERT_FALSE(c.timed_out()) << c.err();
    const bool killed = c.term_signal() == SIGKILL;
    const bool hook = c.exit_code() == 137;
    if (killed) ++sigkills;
    if (hook && kind == 2) ++torn_hook;
    if (hook && kind == 3) ++before_hook;
    if (killed || hook) {
      ++kinds[kind];
      // Every record appended before the crash is readable (e.g. a torn tail left by the
      // previous crash was cut off before appending behind it).
      if (hook) {
        EXPECT_EQ(journal_records(journal), hook_after) << "records appended before the crash are lost";
      }
      check_after_interruption(out, entries, torn_tails);
      if (::testing::Test::HasFatalFailure()) return;
      continue;
    }
    // The kill came too late: the run finished. It must have finished correctly; then start
    // a new round from scratch so that the remaining kills hit a live campaign.
    ASSERT_EQ(c.exit_code(), 0) << c.err();
    ++completions;
    const double took_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    if (entries.empty() && took_ms < run_ms) {  // a whole run from scratch, faster than assumed
      first_record_ms *= took_ms / run_ms;
      run_ms = took_ms;
    }
    EXPECT_EQ(slurp(out), w.ref_csv);
    EXPECT_EQ(slurp_sidecar(sidecar_path_for(out)), w.ref_sidecar);
    EXPECT_FALSE(std::filesystem::exists(journal));
    std::filesystem::remove(out);
    std::filesystem::remove(sidecar_path_for(out));
    entries.clear();
  }
  EXPECT_EQ(sigkills, wanted) << "too few SIGKILLs landed in " << runs << " runs";
  EXPECT_EQ(torn_hook + before_hook, wanted) << "too few hook crashes in " << runs << " runs";

  // The last resume completes; a rerun of the finished campaign changes nothing.
  {
    Child c(args);
    c.wait();
    ++runs;
    ASSERT_EQ(c.exit_code(), 0) << c.err();
  }
  EXPECT_EQ(slurp(out), w.ref_csv) << "seed " << seed;
  EXPECT_EQ(slurp_sidecar(sidecar_path_for(out)), w.ref_sidecar) << "seed " << seed;
  EXPECT_EQ(dir_listing(out.parent_path()), (std::vector<std::string>{"R.csv", "R.csv.json"}));
  const auto mtime = std::filesystem::last_write_time(out);
  {
    Child c(args);
    c.wait();
    ++runs;
    EXPECT_EQ(c.exit_code(), 0) << c.err();
    EXPECT_NE(c.err().find("already complete"), std::string::npos) << c.err();
  }
  EXPECT_EQ(std::filesystem::last_write_time(out), mtime);
  EXPECT_EQ(slurp(out), w.ref_csv);

  std::cout << "crash test: seed " << seed << ": survived " << sigkills << " SIGKILLs (" << kinds[0]
            << " at random delays, " << kinds[1] << " between journal records) and " << torn_hook + before_hook
            << " hook crashes (" << torn_hook << " halfway through a record write, " << before_hook << " before one); "
            << torn_tails << " torn journal tails seen; " << runs << " runs, " << completions + 1
            << " complete campaigns; " << (HasFailure() ? "FAILED" : "every result byte-identical") << "\n";
  RecordProperty("seed", std::to_string(seed));
  RecordProperty("sigkills", int(sigkills));
  RecordProperty("hook_crashes", int(torn_hook + before_hook));
  RecordProperty("runs", int(runs));
}

}  // namespace
}  // namespace faultbench
