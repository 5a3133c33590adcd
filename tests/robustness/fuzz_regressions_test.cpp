// Inputs found by the fuzz targets (fuzz/), kept as unit tests in the normal build.
#include <gtest/gtest.h>

#include <limits>

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

}  // namespace
}  // namespace faultbench
