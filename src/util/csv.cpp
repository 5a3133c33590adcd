#include "faultbench/util/csv.h"

#include <fmt/format.h>

#include "faultbench/error.h"

namespace faultbench {

namespace {
constexpr int kEof = std::char_traits<char>::eof();
}  // namespace

CsvReader::CsvReader(std::istream& in, std::string source, CsvOptions options)
    : in_(in), sb_(in.rdbuf()), source_(std::move(source)), options_(options) {}

void CsvReader::fail(int64_t line, const std::string& rule) const {
  throw FormatError(fmt::format("{}:{}: {}", source_, line, rule));
}

int CsvReader::get() {
  if (pending_pos_ < pending_.size()) return static_cast<unsigned char>(pending_[pending_pos_++]);
  return sb_ == nullptr ? kEof : sb_->sbumpc();
}

int CsvReader::peek() {
  if (pending_pos_ < pending_.size()) return static_cast<unsigned char>(pending_[pending_pos_]);
  return sb_ == nullptr ? kEof : sb_->sgetc();
}

// Reads up to three bytes ahead; drops them when they are the UTF-8 byte order mark.
void CsvReader::skip_bom() {
  started_ = true;
  static const char kBom[] = "\xEF\xBB\xBF";
  for (int i = 0; i < 3; ++i) {
    const int c = sb_ == nullptr ? kEof : sb_->sbumpc();
    if (c == kEof) break;
    pending_.push_back(char(c));
    if (pending_.back() != kBom[i]) return;
  }
  if (pending_ == kBom) pending_.clear();
}

bool CsvReader::next(CsvRecord& record) {
  if (!started_) skip_bom();
  const char delim = options_.delimiter;
  for (;;) {
    int c = get();
    if (c == kEof) {
      if (in_.bad()) throw IoError(fmt::format("{}: read error", source_));
      return false;
    }
    ++line_;
    line_bytes_ = 0;
    record.line = line_;
    record.fields.assign(1, std::string());
    enum class State { FieldStart, Unquoted, Quoted, AfterQuote } state = State::FieldStart;
    bool quoted_any = false;
    for (;; c = get()) {
      if (c == kEof) {
        if (state == State::Quoted) fail(record.line, "malformed row: unterminated quoted field");
        break;
      }
      if (c == '\0') fail(line_, "NUL byte in CSV (a binary file, or text in UTF-16? expected UTF-8 or ASCII text)");
      if (c == '\n') {
        ++line_;
        line_bytes_ = 0;
        if (state != State::Quoted) {
          --line_;  // the record ends on this line; the next one counts it
          break;
        }
      } else if (options_.max_line_bytes != 0 && ++line_bytes_ > options_.max_line_bytes) {
        fail(line_, fmt::format("line longer than {} bytes", options_.max_line_bytes));
      }
      std::string& field = record.fields.back();
      if (state == State::Quoted) {
        if (c != '"') {
          field.push_back(char(c));
        } else if (peek() == '"') {
          get();
          ++line_bytes_;
          field.push_back('"');
        } else {
          state = State::AfterQuote;
        }
        continue;
      }
      if (c == '\r' && (peek() == '\n' || peek() == kEof)) continue;  // CRLF (or a final CR)
      if (c == delim) {
        record.fields.emplace_back();
        state = State::FieldStart;
      } else if (state == State::AfterQuote) {
        fail(line_, "malformed row: text after a closing quote");
      } else if (c == '"') {
        if (state == State::Unquoted) fail(line_, "malformed row: quote inside an unquoted field");
        state = State::Quoted;
        quoted_any = true;
      } else {
        field.push_back(char(c));
        state = State::Unquoted;
      }
    }
    const bool blank =
        !quoted_any && record.fields.size() == 1 && record.fields[0].find_first_not_of(" \t") == std::string::npos;
    if (!blank) return true;
  }
}

}  // namespace faultbench
