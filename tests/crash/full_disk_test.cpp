// Crash test (issue 7, item 2), hostile file systems: the output folder turned read-only
// part-way (between runs, and under a running campaign) and the disk filling up part-way
// (in a journal write, and when publishing the results). Each time: a clear error naming
// the file and the system error, exit code 1, every completed journal record kept, and a
// rerun once the folder is writable / space is back completes byte-identical to an
// uninterrupted run. Needs mount(2) (root or CAP_SYS_ADMIN); skips with a message otherwise.
#include <gtest/gtest.h>

#include <map>

#include "crash/crash_support.h"

namespace faultbench {
namespace {

using namespace faultbench::testing;

constexpr int kImages = 16;

struct Reference {
  std::filesystem::path faults;
  std::string csv, sidecar;
  std::vector<FaultCounts> counts;
};

// Uninterrupted results for a list of `count` faults (computed once per count).
const Reference& reference(int count) {
  static std::map<int, Reference> cache;
  auto it = cache.find(count);
  if (it != cache.end()) return it->second;
  static const auto dir = make_temp_dir("crash-disk-ref");
  Reference r;
  r.faults = crash_fault_list(dir, count, 555);
  const auto out = dir / ("R" + std::to_string(count) + ".csv");
  Child c(crash_args(r.faults, out, kImages));
  c.wait();
  EXPECT_EQ(c.exit_code(), 0) << c.err();
  r.csv = slurp(out);
  r.sidecar = slurp_sidecar(sidecar_path_for(out));
  r.counts = counts_of_results(r.csv);
  return cache.emplace(count, std::move(r)).first->second;
}

// The journal's entries; each must equal the uninterrupted result of its fault.
std::vector<JournalEntry> checked_entries(const std::filesystem::path& journal, const Reference& ref) {
  const std::string bytes = slurp(journal);
  const ParsedJournal p = parse_journal(bytes, journal.string());
  for (const JournalEntry& e : p.entries)
    EXPECT_EQ(e.counts, ref.counts.at(size_t(e.position))) << "fault " << e.position;
  return p.entries;
}

// Runs the campaign in `out`'s folder to completion and checks the bytes.
void expect_rerun_completes(const Reference& ref, const std::filesystem::path& out, int64_t resumed_at_least) {
  Child c(crash_args(ref.faults, out, kImages));
  c.wait();
  ASSERT_EQ(c.exit_code(), 0) << c.err();
  const std::string err = c.err();
  const auto at = err.find("resuming: ");
  ASSERT_NE(at, std::string::npos) << err;
  EXPECT_GE(std::atoll(err.c_str() + at + 10), resumed_at_least) << err;
  EXPECT_EQ(slurp(out), ref.csv);
  EXPECT_EQ(slurp_sidecar(sidecar_path_for(out)), ref.sidecar);
  EXPECT_EQ(dir_listing(out.parent_path()), (std::vector<std::string>{"R.csv", "R.csv.json"}));
}

// One run that must fail with exit code 1 and "faultbench: error: <message>".
void expect_run_fails(const Reference& ref, const std::filesystem::path& out, const std::string& message) {
  Child c(crash_args(ref.faults, out, kImages));
  c.wait();
  EXPECT_EQ(c.exit_code(), 1) << c.err();
  EXPECT_NE(c.err().find("faultbench: error: " + message), std::string::npos) << c.err();
}

// "" when this process may mount (probes with a tiny tmpfs), else why not.
std::string mount_refused() {
  static const std::string why = [] {
    TmpfsMount probe(make_temp_dir("crash-probe") / "mnt", "size=4k");
    return probe.ok() ? std::string() : probe.why();
  }();
  return why;
}
#define CRASH_REQUIRE_MOUNT()                                \
  if (const std::string why = mount_refused(); !why.empty()) \
  GTEST_SKIP() << "cannot mount (needs root or CAP_SYS_ADMIN): " << why

// Fills all but `free_pages` of a tmpfs of `total_pages` 4 KiB pages with a file.
void fill(const std::filesystem::path& dir, int total_pages, int free_pages) {
  const size_t bytes = size_t(total_pages - free_pages) * 4096;
  std::ofstream(dir / "filler", std::ios::binary) << std::string(bytes, 'x');
  ASSERT_EQ(std::filesystem::file_size(dir / "filler"), bytes);
}

TEST(CrashDisk, ReadOnlyFolderBetweenRunsIsAClearErrorAndLosesNothing) {
  CRASH_REQUIRE_MOUNT();
  const Reference& ref = reference(40);
  const auto dir = make_temp_dir("crash-ro");
  const auto out = dir / "R.csv";
  const auto journal = journal_path_for(out);
  {
    Child c(crash_args(ref.faults, out, kImages), {"FAULTBENCH_TEST_CRASH_AFTER_RECORDS=7"});
    c.wait();
    ASSERT_EQ(c.exit_code(), 137) << c.err();
  }
  const std::string before = slurp(journal);
  ASSERT_EQ(checked_entries(journal, ref).size(), 7u);
  {
    ReadOnlyBind ro(dir);
    ASSERT_TRUE(ro.ok()) << ro.why();
    expect_run_fails(ref, out, journal.string() + ": cannot open for writing: Read-only file system");
  }
  EXPECT_EQ(slurp(journal), before) << "the refused run changed the journal";
  expect_rerun_completes(ref, out, 7);
}

TEST(CrashDisk, ReadOnlyFolderUnderARunningCampaignKeepsTheJournal) {
  CRASH_REQUIRE_MOUNT();
  const Reference& ref = reference(40);
  const auto dir = make_temp_dir("crash-ro-live");
  const auto out = dir / "R.csv";
  const auto journal = journal_path_for(out);
  for (int attempt = 0;; ++attempt) {
    Child c(crash_args(ref.faults, out, kImages));
    // Stop the campaign after a few records, make the folder read-only, let it go on: the
    // journal it holds open keeps working, publishing the results cannot.
    if (!wait_for_records(c, journal, 3)) {
      // This process was not scheduled while the whole campaign ran (a loaded machine).
      ASSERT_EQ(c.exit_code(), 0) << c.err();
      ASSERT_LT(attempt, 3) << "the campaign always ended before we saw its third record";
      std::filesystem::remove(out);
      std::filesystem::remove(sidecar_path_for(out));
      continue;
    }
    c.signal(SIGSTOP);
    ReadOnlyBind ro(dir);
    ASSERT_TRUE(ro.ok()) << ro.why();
    c.signal(SIGCONT);
    c.wait();
    EXPECT_EQ(c.exit_code(), 1) << c.err();
    // Issue change (unique temporary names): the message names the target and its folder.
    EXPECT_NE(c.err().find("faultbench: error: " + out.string() + ".json: cannot create a temporary file in " +
                           dir.string() + ": Read-only file system"),
              std::string::npos)
        << c.err();
    break;
  }
  EXPECT_EQ(checked_entries(journal, ref).size(), 40u) << "journaled faults were lost";
  EXPECT_FALSE(std::filesystem::exists(out));
  expect_rerun_completes(ref, out, 40);
}

TEST(CrashDisk, DiskFullInAJournalWriteKeepsTheCompletedRecords) {
  CRASH_REQUIRE_MOUNT();
  // 64 faults: the journal (about 420 header bytes + 65 per one-fault record) outgrows the
  // one free 4 KiB page after about 56 records.
  const Reference& ref = reference(64);
  const auto dir = make_temp_dir("crash-full-journal") / "mnt";
  TmpfsMount mnt(dir, "size=64k");
  ASSERT_TRUE(mnt.ok()) << mnt.why();
  fill(dir, 16, 1);
  const auto out = dir / "R.csv";
  const auto journal = journal_path_for(out);
  expect_run_fails(ref, out, journal.string() + ": write failed: No space left on device");
  const size_t kept = checked_entries(journal, ref).size();
  EXPECT_GE(kept, 50u) << "completed records were lost";
  EXPECT_LT(kept, 64u) << "the disk never filled";
  // The write that failed left part of a record in the last bytes of the page.
  const std::string bytes = slurp(journal);
  EXPECT_EQ(bytes.size(), 4096u);
  EXPECT_LT(parse_journal(bytes, journal.string()).valid_bytes, bytes.size()) << "no torn tail to recover from";
  EXPECT_FALSE(std::filesystem::exists(out));
  // Space is back. A rerun stopped after two more records shows that it cut the torn tail
  // off before appending (records behind it would be unreadable); the next one completes.
  ASSERT_EQ(mnt.remount("size=1m"), "");
  std::filesystem::remove(dir / "filler");
  {
    Child c(crash_args(ref.faults, out, kImages), {"FAULTBENCH_TEST_CRASH_AFTER_RECORDS=" + std::to_string(kept + 2)});
    c.wait();
    ASSERT_EQ(c.exit_code(), 137) << c.err();
  }
  EXPECT_EQ(checked_entries(journal, ref).size(), kept + 2);
  expect_rerun_completes(ref, out, int64_t(kept + 2));
}

TEST(CrashDisk, DiskFullWhenPublishingTheResultsKeepsTheJournal) {
  CRASH_REQUIRE_MOUNT();
  // 40 faults: the whole journal fits the one free page; the sidecar finds no space.
  const Reference& ref = reference(40);
  const auto dir = make_temp_dir("crash-full-publish") / "mnt";
  TmpfsMount mnt(dir, "size=64k");
  ASSERT_TRUE(mnt.ok()) << mnt.why();
  fill(dir, 16, 1);
  const auto out = dir / "R.csv";
  const auto journal = journal_path_for(out);
  expect_run_fails(ref, out, out.string() + ".json: write failed: No space left on device");
  EXPECT_EQ(checked_entries(journal, ref).size(), 40u) << "journaled faults were lost";
  EXPECT_EQ(dir_listing(dir), (std::vector<std::string>{"R.csv.journal", "filler"})) << "partial outputs left behind";
  ASSERT_EQ(mnt.remount("size=1m"), "");
  std::filesystem::remove(dir / "filler");
  expect_rerun_completes(ref, out, 40);
}

}  // namespace
}  // namespace faultbench
