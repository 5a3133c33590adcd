// Journal format: round trip, torn tails at every byte, damage, refusal on changed inputs.
#include <gtest/gtest.h>

#include <fstream>

#include "faultbench/campaign/journal.h"
#include "faultbench/error.h"
#include "test_support.h"

namespace faultbench {
namespace {

CampaignBinding binding() {
  CampaignBinding b;
  b.model = "resnet20";
  b.dataset = "cifar10";
  b.weights_sha256 = "aa";
  b.data_sha256 = "bb";
  b.images = 10;
  b.faults_sha256 = "cc";
  b.faults = 5;
  b.fault_model = "bitflip";
  return b;
}

std::vector<JournalEntry> batch(std::initializer_list<int64_t> positions) {
  std::vector<JournalEntry> out;
  for (int64_t p : positions) out.push_back({p, FaultCounts{p, 10 - p, 0, 1, 3}});
  return out;
}

std::string journal_bytes() {
  std::string s(kJournalMagic);
  s += encode_journal_header(binding());
  s += encode_journal_batch(batch({0, 1}));
  s += encode_journal_batch(batch({4}));
  return s;
}

TEST(Journal, ParsesWhatItEncodes) {
  const ParsedJournal p = parse_journal(journal_bytes(), "j");
  EXPECT_TRUE(p.has_header);
  EXPECT_EQ(p.binding.difference(binding()), "");
  EXPECT_EQ(p.records, 2);
  ASSERT_EQ(p.entries.size(), 3u);
  EXPECT_EQ(p.entries[2], batch({4})[0]);
  EXPECT_EQ(p.valid_bytes, journal_bytes().size());
  EXPECT_EQ(p.torn, "");
}

TEST(Journal, EveryTruncationIsATornTailNeverAnError) {
  const std::string full = journal_bytes();
  const std::string head = std::string(kJournalMagic) + encode_journal_header(binding());
  const size_t first_batch_end = head.size() + encode_journal_batch(batch({0, 1})).size();
  for (size_t cut = 0; cut < full.size(); ++cut) {
    const ParsedJournal p = parse_journal(std::string_view(full).substr(0, cut), "j");
    EXPECT_LE(p.valid_bytes, cut);
    const size_t want_entries = cut >= first_batch_end ? 2 : 0;
    EXPECT_EQ(p.entries.size(), want_entries) << "cut at " << cut;
    EXPECT_EQ(p.has_header, cut >= head.size()) << "cut at " << cut;
  }
}

TEST(Journal, FlippedBitEndsTheValidPrefix) {
  std::string bytes = journal_bytes();
  const size_t last = bytes.size() - encode_journal_batch(batch({4})).size();
  bytes[last + 9] ^= 0x04;  // inside the last record's payload
  const ParsedJournal p = parse_journal(bytes, "j");
  EXPECT_EQ(p.entries.size(), 2u);
  EXPECT_EQ(p.valid_bytes, last);
  EXPECT_NE(p.torn.find("checksum"), std::string::npos);
}

TEST(Journal, ImpossibleContentWithGoodChecksumIsAnError) {
  std::string s(kJournalMagic);
  s += encode_journal_header(binding());
  EXPECT_THROW(parse_journal(s + encode_journal_batch(batch({5})), "j"), FormatError);     // out of range
  EXPECT_THROW(parse_journal(s + encode_journal_batch(batch({1, 1})), "j"), FormatError);  // twice
  std::vector<JournalEntry> bad = batch({2});
  bad[0].counts.critical = 3;  // adds up to 13 images, not 10
  EXPECT_THROW(parse_journal(s + encode_journal_batch(bad), "j"), FormatError);
  EXPECT_THROW(parse_journal("NOTAJOURNAL", "j"), FormatError);
  try {
    parse_journal(s + encode_journal_batch(batch({5})), "RESULTS.csv.journal");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("RESULTS.csv.journal: record 1 at byte"), std::string::npos) << e.what();
  }
}

TEST(Journal, OpenCreatesReplaysTruncatesAndRefusesOtherInputs) {
  const auto dir = testing::make_temp_dir("journal");
  const auto path = dir / "R.csv.journal";
  {
    Journal j = Journal::open(path, binding(), nullptr);
    EXPECT_TRUE(j.replayed().empty());
    j.append(batch({0, 1}));
    j.append(batch({3}));
  }
  // Simulate a crash halfway through a third record.
  const std::string rec = encode_journal_batch(batch({2}));
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << rec.substr(0, rec.size() - 3);
  }
  std::string note;
  {
    Journal j = Journal::open(path, binding(), &note);
    EXPECT_EQ(j.replayed().size(), 3u);
    EXPECT_NE(note.find("torn"), std::string::npos) << note;
    j.append(batch({2}));
  }
  {
    note.clear();
    Journal j = Journal::open(path, binding(), &note);
    EXPECT_EQ(j.replayed().size(), 4u);
    EXPECT_EQ(note, "");
  }
  CampaignBinding other = binding();
  other.weights_sha256 = "dd";
  try {
    Journal::open(path, other, nullptr);
    FAIL() << "resumed with other weights";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("weights"), std::string::npos) << e.what();
  }
  other = binding();
  other.data_sha256 = "ee";
  EXPECT_THROW(Journal::open(path, other, nullptr), UsageError);
  other = binding();
  other.faults_sha256 = "ff";
  EXPECT_THROW(Journal::open(path, other, nullptr), UsageError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace faultbench
