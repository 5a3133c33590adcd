// Inputs found by the fuzz targets (fuzz/), kept as unit tests in the normal build.
#include <gtest/gtest.h>

#include <limits>

#include <sstream>

#include "faultbench/campaign/compare.h"
#include "faultbench/campaign/journal.h"
#include "faultbench/error.h"

namespace faultbench {
namespace {

// fuzz_journal (UBSan): a checksummed batch record whose counts are each within
// 0..images but whose sum overflowed int64 in parse_journal's "add up" check.
TEST(FuzzRegressions, JournalCountsNearInt64MaxAreRejectedWithoutOverflow) {
  const int64_t big = std::numeric_limits<int64_t>::max();
  CampaignBinding b{"resnet20", "cifar10", "w", "d", big, "f", 1, "as-listed"};
  std::string bytes(kJournalMagic);
  bytes += encode_journal_header(b);
  bytes += encode_journal_batch({JournalEntry{0, FaultCounts{big, big, big, 0, 0}}});
  try {
    parse_journal(bytes, "hostile.journal");
    FAIL() << "accepted counts that do not add up";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("do not add up"), std::string::npos) << e.what();
  }
  // The same binding with counts that do add up is accepted.
  std::string ok(kJournalMagic);
  ok += encode_journal_header(b);
  ok += encode_journal_batch({JournalEntry{0, FaultCounts{big - 2, 1, 1, 0, 0}}});
  const ParsedJournal parsed = parse_journal(ok, "ok.journal");
  ASSERT_EQ(parsed.entries.size(), 1u);
  EXPECT_EQ(parsed.entries[0].counts.masked, big - 2);
}

// fuzz_results_csv (UBSan): counts are only checked to be >= 0 when read, and the
// totals of two rows near 2^63 overflowed int64 in compare_results.
TEST(FuzzRegressions, CompareTotalsThatOverflowAreAFormatError) {
  std::istringstream in(
      "Injection,masked,non_critical,critical\n0,9000000000000000000,0,1\n1,9000000000000000000,0,2\n");
  const ResultTable t = parse_result_table(in, "hostile.csv");
  try {
    compare_results(t, t);
    FAIL() << "totals overflowing int64 were accepted";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("hostile.csv: counts too large"), std::string::npos) << e.what();
  }
  std::istringstream ok(
      "Injection,masked,non_critical,critical\n0,4000000000000000000,0,1\n1,5000000000000000000,0,2\n");
  const ResultTable u = parse_result_table(ok, "ok.csv");
  EXPECT_EQ(compare_results(u, u).a.masked, 9000000000000000000);
}

}  // namespace
}  // namespace faultbench
