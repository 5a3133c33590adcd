// Fuzz target: the campaign journal (RESULTS.csv.journal): parse_journal on the bytes, then
// Journal::open on them as a file (torn-tail truncation, replay), resumed with the binding
// the journal itself names.
//
// Random mutations almost never keep a record's SHA-256 checksum valid, which would stop
// the parser at the first record. So when the first input byte is odd the harness first
// re-frames the rest: it walks the records by their length fields and rewrites each
// complete record's checksum. Even first byte: the bytes are used as they are (torn
// writes, checksum mismatches).
#include <string>

#include "faultbench/campaign/hashing.h"
#include "faultbench/campaign/journal.h"
#include "fuzz_util.h"

using namespace faultbench;

namespace {

void fix_checksums(std::string& b) {
  size_t off = kJournalMagic.size();
  while (off + 5 <= b.size()) {
    uint64_t len = 0;
    for (int i = 0; i < 4; ++i) len |= uint64_t(uint8_t(b[off + size_t(i)])) << (8 * i);
    if (len + 5 + 8 > b.size() - off) return;
    unsigned char digest[32];
    sha256_bytes(b.data() + off, 5 + len, digest);
    b.replace(off + 5 + len, 8, reinterpret_cast<const char*>(digest), 8);
    off += 5 + len + 8;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) fix_checksums(bytes);
  fuzz::run_expecting_errors([&] {
    const ParsedJournal parsed = parse_journal(bytes, "fuzz.journal");
    if (parsed.valid_bytes > bytes.size()) fuzz::finding("journal", "valid prefix longer than the input");
    if (!parsed.has_header) return;
    const auto path = fuzz::write_scratch("fuzz.journal", bytes);
    std::string note;
    Journal j = Journal::open(path, parsed.binding, &note);
    if (j.replayed() != parsed.entries) fuzz::finding("journal", "open replayed other entries than parse_journal");
    if (std::filesystem::file_size(path) != parsed.valid_bytes)
      fuzz::finding("journal", "open did not truncate the file to its valid prefix");
  });
  return 0;
}
