#include "faultbench/campaign/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "faultbench/campaign/hashing.h"
#include "faultbench/error.h"
#include "faultbench/util/bounded_json.h"
#include "faultbench/util/file_lock.h"

namespace faultbench {

namespace {

constexpr uint8_t kTypeHeader = 1;
constexpr uint8_t kTypeBatch = 2;
constexpr uint32_t kMaxPayload = 64u << 20;  // bounds what a damaged length may make us read
constexpr size_t kChecksumBytes = 8;
constexpr size_t kEntryBytes = 8 * 6;
// The header is a CampaignBinding's JSON: names and hashes, well under 1 KB.
constexpr uint64_t kMaxHeaderPayload = 64u << 10;
constexpr int kMaxJsonDepth = 16;
constexpr uint64_t kRecordOverhead = 5 + kChecksumBytes;  // length, type, checksum

// The largest journal a campaign of `faults` faults can write: the magic, the header
// record, and at worst one batch record per fault (each fault is recorded once, and a
// batch is never empty).
uint64_t max_journal_bytes(int64_t faults) {
  const uint64_t per_fault = kRecordOverhead + 4 + kEntryBytes;
  const uint64_t head = kJournalMagic.size() + kRecordOverhead + kMaxHeaderPayload;
  if (faults < 0 || uint64_t(faults) > (UINT64_MAX - head) / per_fault) return UINT64_MAX;
  return head + uint64_t(faults) * per_fault;
}

void put_u32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(char((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& s, uint64_t v) {
  for (int i = 0; i < 8; ++i) s.push_back(char((v >> (8 * i)) & 0xff));
}
uint64_t get_le(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t(uint8_t(p[i])) << (8 * i);
  return v;
}

std::string checksum(std::string_view framed) {
  unsigned char digest[32];
  sha256_bytes(framed.data(), framed.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), kChecksumBytes);
}

std::string encode_record(uint8_t type, std::string_view payload) {
  FAULTBENCH_CHECK(payload.size() <= kMaxPayload, "journal record too large");
  std::string rec;
  put_u32(rec, uint32_t(payload.size()));
  rec.push_back(char(type));
  rec.append(payload);
  rec += checksum(rec);
  return rec;
}

void write_all(int fd, const std::string& bytes, const std::filesystem::path& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw IoError(fmt::format("{}: write failed: {}", path.string(), std::strerror(errno)));
    }
    done += size_t(n);
  }
}

void sync_fd(int fd, const std::filesystem::path& path) {
  if (::fsync(fd) != 0) throw IoError(fmt::format("{}: fsync failed: {}", path.string(), std::strerror(errno)));
}

// The first `n` bytes of the file (fewer if it is shorter).
std::string read_prefix(const std::filesystem::path& path, uint64_t n) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot open for reading", path.string()));
  std::string bytes(size_t(n), '\0');
  in.read(bytes.data(), std::streamsize(n));
  if (in.bad()) throw IoError(fmt::format("{}: read error", path.string()));
  bytes.resize(size_t(in.gcount()));
  return bytes;
}

void sync_parent_dir(const std::filesystem::path& path) {
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;  // best effort: some file systems refuse to open directories
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

nlohmann::json CampaignBinding::to_json() const {
  nlohmann::json j{{"model", model},
                   {"dataset", dataset},
                   {"weights_sha256", weights_sha256},
                   {"data_sha256", data_sha256},
                   {"images", images},
                   {"faults_sha256", faults_sha256},
                   {"faults", faults},
                   {"fault_model", fault_model}};
  // Only a part names its shard: the binding of a whole-list campaign is as it always was.
  if (!shard.empty()) j["shard"] = shard;
  if (!until_margin.empty()) j["until_margin"] = until_margin;
  // fp32 records stay byte-identical to those of faultbench before --numerics.
  if (numerics != "fp32") j["numerics"] = numerics;
  // Weight campaigns' records stay as they were before activation faults.
  if (target != "weights") j["target"] = target;
  if (!calibration.empty()) j["calibration"] = calibration;
  // Only for imported models, so that a zoo campaign's records stay as they were.
  if (!model_sha256.empty()) j["model_sha256"] = model_sha256;
  return j;
}

CampaignBinding CampaignBinding::from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw FormatError(fmt::format("{}: binding is not a JSON object", where));
  auto str = [&](const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string())
      throw FormatError(fmt::format("{}: key '{}' missing or not a string", where, key));
    return it->get<std::string>();
  };
  auto num = [&](const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer() || it->get<int64_t>() < 0)
      throw FormatError(fmt::format("{}: key '{}' missing or not a non-negative integer", where, key));
    return it->get<int64_t>();
  };
  CampaignBinding b;
  b.model = str("model");
  b.dataset = str("dataset");
  b.weights_sha256 = str("weights_sha256");
  b.data_sha256 = str("data_sha256");
  b.images = num("images");
  b.faults_sha256 = str("faults_sha256");
  b.faults = num("faults");
  b.fault_model = str("fault_model");
  if (j.contains("shard")) b.shard = str("shard");
  if (j.contains("until_margin")) b.until_margin = str("until_margin");
  if (j.contains("numerics")) b.numerics = str("numerics");
  if (j.contains("target")) b.target = str("target");
  if (j.contains("calibration")) b.calibration = str("calibration");
  if (j.contains("model_sha256")) b.model_sha256 = str("model_sha256");
  return b;
}

std::string CampaignBinding::difference(const CampaignBinding& now) const {
  auto diff = [](const char* what, const std::string& was, const std::string& is) {
    return fmt::format("the {} changed (was {}, now {})", what, was, is);
  };
  if (model != now.model) return diff("model", model, now.model);
  if (model_sha256 != now.model_sha256)
    return diff("model file (sha256)", model_sha256.empty() ? "none" : model_sha256,
                now.model_sha256.empty() ? "none" : now.model_sha256);
  if (dataset != now.dataset) return diff("dataset", dataset, now.dataset);
  if (weights_sha256 != now.weights_sha256) return diff("weights (sha256)", weights_sha256, now.weights_sha256);
  if (images != now.images) return diff("image count", std::to_string(images), std::to_string(now.images));
  if (data_sha256 != now.data_sha256) return diff("test data (sha256)", data_sha256, now.data_sha256);
  if (faults_sha256 != now.faults_sha256) return diff("fault list (sha256)", faults_sha256, now.faults_sha256);
  if (faults != now.faults) return diff("fault count", std::to_string(faults), std::to_string(now.faults));
  if (fault_model != now.fault_model) return diff("fault model", fault_model, now.fault_model);
  if (shard != now.shard)
    return diff("part (--shard)", shard.empty() ? "the whole list" : shard,
                now.shard.empty() ? "the whole list" : now.shard);
  if (until_margin != now.until_margin)
    return diff("--until-margin settings", until_margin.empty() ? "none" : until_margin,
                now.until_margin.empty() ? "none" : now.until_margin);
  if (numerics != now.numerics) return diff("numerics", numerics, now.numerics);
  if (target != now.target) return diff("fault target (--target)", target, now.target);
  if (calibration != now.calibration)
    return diff("int8 calibration", calibration.empty() ? "none" : calibration,
                now.calibration.empty() ? "none" : now.calibration);
  return "";
}

std::string encode_journal_header(const CampaignBinding& binding) {
  return encode_record(kTypeHeader, binding.to_json().dump());
}

std::string encode_journal_batch(const std::vector<JournalEntry>& batch) {
  std::string p;
  put_u32(p, uint32_t(batch.size()));
  for (const JournalEntry& e : batch) {
    put_u64(p, uint64_t(e.position));
    for (int64_t v : {e.counts.masked, e.counts.non_critical, e.counts.critical, e.counts.due, e.counts.top1_correct})
      put_u64(p, uint64_t(v));
  }
  return encode_record(kTypeBatch, p);
}

ParsedJournal parse_journal(std::string_view bytes, const std::string& name) {
  ParsedJournal out;
  const size_t m = kJournalMagic.size();
  if (bytes.size() < m) {
    // A crash while writing the magic leaves a prefix of it: an empty journal.
    if (bytes != kJournalMagic.substr(0, bytes.size()))
      throw FormatError(fmt::format("{}: not a faultbench journal (bad magic at byte 0)", name));
    out.torn = bytes.empty() ? "" : "incomplete magic";
    return out;
  }
  if (bytes.substr(0, m) != kJournalMagic)
    throw FormatError(fmt::format("{}: not a faultbench journal (bad magic at byte 0)", name));
  size_t off = m;
  out.valid_bytes = off;
  std::set<int64_t> seen;
  int64_t record = 0;
  while (off < bytes.size()) {
    const size_t left = bytes.size() - off;
    if (left < 5) {
      out.torn = fmt::format("incomplete record header at byte {}", off);
      break;
    }
    const uint64_t len = get_le(bytes.data() + off, 4);
    const uint8_t type = uint8_t(bytes[off + 4]);
    if (len > kMaxPayload || len + 5 + kChecksumBytes > left) {
      out.torn = fmt::format("incomplete record at byte {} (length {})", off, len);
      break;
    }
    const std::string_view framed = bytes.substr(off, 5 + len);
    if (checksum(framed) != bytes.substr(off + 5 + len, kChecksumBytes)) {
      out.torn = fmt::format("checksum mismatch in record at byte {}", off);
      break;
    }
    const std::string_view payload = framed.substr(5);
    const std::string where = fmt::format("{}: record {} at byte {}", name, record, off);
    if (record == 0) {
      if (type != kTypeHeader) throw FormatError(where + ": the first record must be the header");
      if (len > kMaxHeaderPayload)
        throw FormatError(fmt::format("{}: header of {} bytes (the limit is {})", where, len, kMaxHeaderPayload));
      nlohmann::json j = parse_bounded_json(payload, kMaxJsonDepth, where);
      if (j.is_discarded()) throw FormatError(where + ": header is not valid JSON");
      out.binding = CampaignBinding::from_json(j, where);
      out.has_header = true;
    } else {
      if (type != kTypeBatch) throw FormatError(fmt::format("{}: unknown record type {}", where, type));
      if (len < 4) throw FormatError(where + ": batch record shorter than its count");
      const uint64_t n = get_le(payload.data(), 4);
      if (n == 0) throw FormatError(where + ": batch record of 0 faults");
      if (n * kEntryBytes + 4 != len)
        throw FormatError(
            fmt::format("{}: batch of {} faults needs {} bytes, record has {}", where, n, n * kEntryBytes + 4, len));
      for (uint64_t i = 0; i < n; ++i) {
        const char* q = payload.data() + 4 + i * kEntryBytes;
        JournalEntry e;
        e.position = int64_t(get_le(q, 8));
        int64_t v[5];
        for (int k = 0; k < 5; ++k) v[k] = int64_t(get_le(q + 8 * (k + 1), 8));
        e.counts = FaultCounts{v[0], v[1], v[2], v[3], v[4]};
        const CampaignBinding& b = out.binding;
        if (e.position < 0 || e.position >= b.faults)
          throw FormatError(
              fmt::format("{}: fault position {} outside the list of {} faults", where, e.position, b.faults));
        if (!seen.insert(e.position).second)
          throw FormatError(fmt::format("{}: fault position {} recorded twice", where, e.position));
        for (int k = 0; k < 5; ++k)
          if (v[k] < 0 || v[k] > b.images)
            throw FormatError(
                fmt::format("{}: fault position {}: count {} outside 0..{}", where, e.position, v[k], b.images));
        // Each count is in 0..images, so images - masked - non_critical cannot overflow (a
        // hostile record could make the plain sum overflow int64, see fuzz/fuzz_journal.cpp).
        if (b.images - v[0] - v[1] != v[2])
          throw FormatError(fmt::format("{}: fault position {}: classes {} + {} + {} do not add up to {} images", where,
                                        e.position, v[0], v[1], v[2], b.images));
        out.entries.push_back(e);
      }
      ++out.records;
    }
    off += 5 + len + kChecksumBytes;
    out.valid_bytes = off;
    ++record;
  }
  return out;
}

Journal Journal::open(const std::filesystem::path& path, const CampaignBinding& binding, std::string* note) {
  Journal j;
  j.path_ = path;
  auto check_binding = [&](const ParsedJournal& parsed) {
    const std::string why = parsed.has_header ? parsed.binding.difference(binding) : "";
    if (!why.empty())
      throw UsageError(
          fmt::format("{}: refusing to resume: this journal belongs to a campaign on other inputs: {}. "
                      "Rerun with the original inputs, or delete the journal (and its partial results) to start over",
                      path.string(), why));
  };
  // Locked before anything is read: a second campaign on the same --out stops here, and
  // the bytes read below cannot change under us.
  j.fd_ = open_locked(path, "another faultbench campaign");
  std::string bytes;
  if (std::filesystem::exists(path)) {
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (ec) throw IoError(fmt::format("{}: cannot stat: {}", path.string(), ec.message()));
    // Sized before it is read: no valid journal of this campaign is larger.
    const uint64_t limit = max_journal_bytes(binding.faults);
    if (size > limit) {
      // Its header still tells another campaign's journal from a damaged one.
      check_binding(
          parse_journal(read_prefix(path, kJournalMagic.size() + kRecordOverhead + kMaxHeaderPayload), path.string()));
      throw FormatError(fmt::format("{}: {} bytes, more than a journal of {} faults can hold ({} bytes)", path.string(),
                                    size, binding.faults, limit));
    }
    bytes = read_prefix(path, size);
  }
  ParsedJournal parsed = parse_journal(bytes, path.string());
  check_binding(parsed);
  j.fresh_ = !parsed.has_header;
  if (!parsed.has_header) {
    // Absent, empty, or torn before the header was complete: start it afresh.
    if (::ftruncate(j.fd_, 0) != 0)
      throw IoError(fmt::format("{}: cannot truncate: {}", path.string(), std::strerror(errno)));
    std::string head(kJournalMagic);
    head += encode_journal_header(binding);
    write_all(j.fd_, head, path);
    sync_fd(j.fd_, path);
    sync_parent_dir(path);
  } else {
    if (parsed.valid_bytes < bytes.size()) {
      if (note)
        *note = fmt::format("{}: dropped a torn last record ({}, {} bytes)", path.string(), parsed.torn,
                            bytes.size() - parsed.valid_bytes);
      if (::ftruncate(j.fd_, off_t(parsed.valid_bytes)) != 0)
        throw IoError(fmt::format("{}: cannot truncate: {}", path.string(), std::strerror(errno)));
      sync_fd(j.fd_, path);
    }
    j.replayed_ = std::move(parsed.entries);
    j.records_ = parsed.records;
  }
  if (::lseek(j.fd_, 0, SEEK_END) < 0)
    throw IoError(fmt::format("{}: seek failed: {}", path.string(), std::strerror(errno)));
#ifdef FAULTBENCH_TEST_HOOKS
  // Test hook for crash tests, compiled only into the test CLI (tests/CMakeLists.txt): die (as
  // SIGKILL would) after this many appended records, or halfway through writing the next one
  // when FAULTBENCH_TEST_CRASH_TORN is set.
  if (const char* k = std::getenv("FAULTBENCH_TEST_CRASH_AFTER_RECORDS")) j.crash_after_ = std::atoll(k);
  j.crash_torn_ = std::getenv("FAULTBENCH_TEST_CRASH_TORN") != nullptr;
#endif
  return j;
}

Journal::Journal(Journal&& o) noexcept
    : path_(std::move(o.path_)),
      fd_(o.fd_),
      replayed_(std::move(o.replayed_)),
      records_(o.records_),
      fresh_(o.fresh_),
      crash_after_(o.crash_after_),
      crash_torn_(o.crash_torn_) {
  o.fd_ = -1;
}

void Journal::discard() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());  // still ours: the lock is held until the close below
  ::close(fd_);
  fd_ = -1;
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

void Journal::append(const std::vector<JournalEntry>& batch) {
  const std::string rec = encode_journal_batch(batch);
#ifdef FAULTBENCH_TEST_HOOKS
  if (crash_after_ >= 0 && records_ >= crash_after_) {
    if (crash_torn_) {
      write_all(fd_, rec.substr(0, rec.size() / 2), path_);
      sync_fd(fd_, path_);
    }
    std::_Exit(137);
  }
#endif
  write_all(fd_, rec, path_);
  sync_fd(fd_, path_);
  ++records_;
}

}  // namespace faultbench
