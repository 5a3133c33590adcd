// The append-only journal that makes campaigns resumable (RESULTS.csv.journal).
//
// Layout (all integers little-endian):
//   magic   "FBJRNL01"                                   8 bytes
//   record* u32 length L | u8 type | payload[L] | checksum (first 8 bytes of the SHA-256
//           of the length, type and payload bytes)
// The first record (type 1) is the header: the CampaignBinding as JSON, tying the journal
// to its inputs. Every later record (type 2) is one completed batch of faults:
//   u32 n, then n times: u64 position (0-based row of the fault list),
//                        i64 masked, non_critical, critical, due, top1_correct
// Each record is written whole and fsync'd before the campaign moves on, so after a crash
// only the last record can be incomplete ("torn"); reopening truncates it away.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "faultbench/campaign/classify.h"

namespace faultbench {

// Everything the results of a campaign depend on. Two runs with equal bindings produce the
// same RESULTS.csv, so a journal may only be resumed under an equal binding.
struct CampaignBinding {
  std::string model, dataset;
  std::string weights_sha256;  // checkpoint file bytes
  std::string data_sha256;     // ImageSet::sha256() of the images used
  int64_t images = 0;
  std::string faults_sha256;  // fault-list file bytes
  int64_t faults = 0;
  std::string fault_model;  // "bitflip" | "stuck-at-0" | "stuck-at-1" | "as-listed"
  std::string shard;        // "K/N" for a part (--shard), "" for the whole list (not written)
  // MarginStop::describe() of --until-margin; "" without it (and then absent from the JSON,
  // so that campaigns without the option keep their bytes).
  std::string until_margin;
  std::string numerics = "fp32";   // numerics_name(); written only when not fp32 (older records: fp32)
  std::string model_sha256;        // an imported ONNX model's file bytes; "" (and not written) for a zoo model
  std::string target = "weights";  // "weights" | "activations" (--target); written only when not weights
  // int8: the calibration set (Int8Setup::describe()); "" (and not written) otherwise.
  std::string calibration;

  nlohmann::json to_json() const;
  // FormatError naming `where` and the key when a field is missing or mistyped.
  static CampaignBinding from_json(const nlohmann::json& j, const std::string& where);
  // "" when equal; otherwise a sentence naming the first input that differs and both values.
  std::string difference(const CampaignBinding& now) const;
};

struct JournalEntry {
  int64_t position = 0;  // row of the fault list, 0-based
  FaultCounts counts;
  bool operator==(const JournalEntry&) const = default;
};

// The result of parsing journal bytes (exposed for tests and fuzzing).
struct ParsedJournal {
  bool has_header = false;
  CampaignBinding binding;
  std::vector<JournalEntry> entries;  // in record order
  int64_t records = 0;                // batch records accepted
  uint64_t valid_bytes = 0;           // length of the longest valid prefix
  std::string torn;                   // "" or why the tail after valid_bytes was rejected
};

// Parses `bytes`. A record that is incomplete or fails its checksum ends the valid prefix
// (a torn tail). Records with a good checksum but impossible content (position out of
// range or repeated, counts that do not add up to the image count) throw FormatError
// naming `name`, the record number and the byte offset: that is damage, not a torn write.
// A wrong magic throws FormatError (the file is not a journal).
ParsedJournal parse_journal(std::string_view bytes, const std::string& name);

class Journal {
 public:
  // Opens the journal at `path` for a campaign with `binding`, creating it when absent.
  // It is opened without following a link and locked exclusively (open_locked in
  // faultbench/util/file_lock.h) for the Journal's lifetime: IoError naming the pid of
  // another process that holds it. Existing journal: its header must equal `binding`
  // (UsageError naming the input that changed otherwise); a torn tail is truncated and
  // described in *note.
  static Journal open(const std::filesystem::path& path, const CampaignBinding& binding, std::string* note);
  Journal(Journal&& other) noexcept;
  Journal& operator=(Journal&&) = delete;
  ~Journal();

  // Entries replayed at open time.
  const std::vector<JournalEntry>& replayed() const { return replayed_; }
  int64_t records() const { return records_; }

  // Appends one batch record and fsyncs it. IoError on failure (nothing half-accepted:
  // a partial record is a torn tail the next open removes).
  void append(const std::vector<JournalEntry>& batch);

  const std::filesystem::path& path() const { return path_; }
  // True when the journal had no header before open() wrote one (absent, empty or torn
  // before its header was complete): it proves no earlier run of this campaign.
  bool fresh() const { return fresh_; }
  // Removes the journal file and releases the lock (a journal opened only to look at
  // the results of a finished campaign under the lock).
  void discard();

 private:
  Journal() = default;
  std::filesystem::path path_;
  int fd_ = -1;
  std::vector<JournalEntry> replayed_;
  int64_t records_ = 0;
  bool fresh_ = false;
  // Crash-test hook state, set only in builds with FAULTBENCH_TEST_HOOKS (see journal.cpp);
  // present in every build so that the class has one layout.
  int64_t crash_after_ = -1;
  bool crash_torn_ = false;
};

// Encodes one record (exposed for tests and fuzz seeds).
std::string encode_journal_header(const CampaignBinding& binding);
std::string encode_journal_batch(const std::vector<JournalEntry>& batch);
inline constexpr std::string_view kJournalMagic = "FBJRNL01";

}  // namespace faultbench
