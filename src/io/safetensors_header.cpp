#include "safetensors_header.h"

#include <iterator>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "faultbench/error.h"
#include "pickle.h"  // clip

namespace faultbench::io {
namespace {

using Json = nlohmann::ordered_json;
using L = SafetensorsLimits;

// The header bytes, read from the file 64 KB at a time.
class HeaderBytes {
 public:
  HeaderBytes(const InputFile& file, uint64_t begin, uint64_t end) : file_(file), pos_(begin), end_(end) {}
  bool at_end() const { return pos_ == end_; }
  char peek() {
    if (i_ == n_) refill();
    return char(buf_[i_]);
  }
  void advance() {
    if (i_ == n_) refill();
    ++i_;
    ++pos_;
  }
  uint64_t pos() const { return pos_; }

 private:
  void refill() {
    n_ = size_t(std::min<uint64_t>(sizeof buf_, end_ - pos_));
    file_.read_at(pos_, buf_, n_);
    i_ = 0;
  }
  const InputFile& file_;
  uint64_t pos_, end_;
  uint8_t buf_[1 << 16];
  size_t i_ = 0, n_ = 0;
};

// What nlohmann's iterator input adapter needs: an input iterator over the bytes; the
// default-constructed one is the end.
struct HeaderIter {
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = char;
  HeaderBytes* bytes = nullptr;
  char operator*() const { return bytes->peek(); }
  HeaderIter& operator++() {
    bytes->advance();
    return *this;
  }
  HeaderIter operator++(int) {
    HeaderIter was = *this;
    bytes->advance();
    return was;
  }
  bool operator==(const HeaderIter& o) const { return done() == o.done(); }
  bool operator!=(const HeaderIter& o) const { return !(*this == o); }
  bool done() const { return !bytes || bytes->at_end(); }
};

class HeaderSax {
 public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;
  using OnTensor = std::function<void(const std::string&, const Json&)>;

  HeaderSax(const std::string& source, const HeaderBytes& bytes, const OnTensor& on_tensor,
            std::map<std::string, std::string>* metadata)
      : source_(source), bytes_(bytes), on_tensor_(on_tensor), metadata_(metadata) {}

  bool null() { return value(Json(nullptr)); }
  bool boolean(bool v) { return value(Json(v)); }
  bool number_integer(number_integer_t v) { return value(Json(v)); }
  bool number_unsigned(number_unsigned_t v) { return value(Json(v)); }
  bool number_float(number_float_t v, const string_t&) { return value(Json(v)); }
  bool binary(binary_t&) { return value(Json(nullptr)); }  // not produced by JSON text
  bool string(string_t& v) {
    if (mode_ == Mode::Metadata) {
      if (depth_ != 2) return value(Json(nullptr));  // refused there
      meta_bytes_ += v.size();
      if (meta_bytes_ > L::kMaxMetadataBytes)
        fail(fmt::format("__metadata__ holds more than {} MB (the limit)", L::kMaxMetadataBytes >> 20));
      if (metadata_) (*metadata_)[key_] = std::move(v);
      return true;
    }
    check_entry_string(v);
    return value(Json(std::move(v)));
  }
  bool start_object(std::size_t) { return open(Json::object()); }
  bool start_array(std::size_t) { return open(Json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(string_t& k) {
    if (depth_ == 1) {  // a tensor name, or __metadata__
      if (k == "__metadata__") {
        if (seen_metadata_) fail("__metadata__ appears twice");
        seen_metadata_ = true;
        mode_ = Mode::Metadata;
      } else {
        if (k.size() > L::kMaxNameBytes)
          fail(fmt::format("tensor name '{}' is {} bytes long (the limit is {})", clip(k), k.size(), L::kMaxNameBytes));
        if (++tensors_ > L::kMaxTensors) fail(fmt::format("more than {} tensors (the limit)", L::kMaxTensors));
        names_bytes_ += k.size();
        if (names_bytes_ > L::kMaxNamesBytes)
          fail(fmt::format("tensor names longer than {} MB together (the limit)", L::kMaxNamesBytes >> 20));
        mode_ = Mode::Tensor;
      }
      key_ = std::move(k);
    } else if (mode_ == Mode::Metadata) {
      meta_bytes_ += k.size() + 64;  // the entry and its node in meta_keys_
      if (meta_bytes_ > L::kMaxMetadataBytes)
        fail(fmt::format("__metadata__ holds more than {} MB (the limit)", L::kMaxMetadataBytes >> 20));
      if (!meta_keys_.insert(k).second) fail(fmt::format("__metadata__ key '{}' appears twice", clip(k)));
      key_ = std::move(k);
    } else {
      check_entry_string(k);
      if (stack_.back()->contains(k)) fail(fmt::format("tensor '{}': key '{}' appears twice", key_, k));
      entry_key_ = std::move(k);
    }
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    throw FormatError(fmt::format("{}: safetensors header is not valid JSON: {}", source_, e.what()));
  }

 private:
  enum class Mode { None, Metadata, Tensor };

  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(fmt::format("{}: safetensors header byte {}: {}", source_, bytes_.pos(), what));
  }

  void check_entry_string(const std::string& s) const {
    if (s.size() > L::kMaxEntryString)
      fail(fmt::format("tensor '{}': string of {} bytes (the limit in an entry is {})", key_, s.size(),
                       L::kMaxEntryString));
  }

  // A container starts: the root, __metadata__, or a part of a tensor's entry.
  bool open(Json container) {
    if (depth_ == 0) {
      if (!container.is_object())
        throw FormatError(fmt::format("{}: safetensors header is not a JSON object", source_));
      depth_ = 1;
      return true;
    }
    if (mode_ == Mode::Metadata) {
      if (depth_ == 1 && container.is_object()) {
        depth_ = 2;
        return true;
      }
      throw FormatError(depth_ == 1 ? fmt::format("{}: __metadata__ is not an object", source_)
                                    : fmt::format("{}: __metadata__ '{}' is not a string", source_, clip(key_)));
    }
    if (depth_ >= L::kMaxDepth) fail(fmt::format("JSON nested deeper than {} levels (the limit)", L::kMaxDepth));
    Json* slot = add(std::move(container));
    stack_.push_back(slot);
    ++depth_;
    return true;
  }

  bool close() {
    --depth_;
    if (mode_ == Mode::Metadata) {
      if (depth_ == 1) mode_ = Mode::None;
      return true;
    }
    if (depth_ == 0) return true;  // the root
    stack_.pop_back();
    if (stack_.empty()) finish_entry();
    return true;
  }

  bool value(Json v) {
    if (depth_ == 0) throw FormatError(fmt::format("{}: safetensors header is not a JSON object", source_));
    if (mode_ == Mode::Metadata)
      throw FormatError(depth_ == 1 ? fmt::format("{}: __metadata__ is not an object", source_)
                                    : fmt::format("{}: __metadata__ '{}' is not a string", source_, clip(key_)));
    add(std::move(v));
    if (stack_.empty()) finish_entry();
    return true;
  }

  // Adds v where the entry being built is (its root, an array element, an object member).
  Json* add(Json v) {
    if (++values_ > L::kMaxEntryValues)
      fail(fmt::format("tensor '{}': more than {} JSON values in its entry (the limit)", key_, L::kMaxEntryValues));
    if (stack_.empty()) {
      entry_ = std::move(v);
      return &entry_;
    }
    Json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    return &(parent[entry_key_] = std::move(v));
  }

  void finish_entry() {
    on_tensor_(key_, entry_);
    entry_ = Json();
    values_ = 0;
    mode_ = Mode::None;
  }

  const std::string& source_;
  const HeaderBytes& bytes_;
  const OnTensor& on_tensor_;
  std::map<std::string, std::string>* metadata_;
  size_t depth_ = 0;  // containers open, the root included
  Mode mode_ = Mode::None;
  std::string key_;        // the tensor name (or metadata key) being read
  std::string entry_key_;  // the member key inside a tensor's entry
  Json entry_;
  std::vector<Json*> stack_;  // open containers of entry_
  size_t values_ = 0, tensors_ = 0;
  bool seen_metadata_ = false;
  uint64_t meta_bytes_ = 0, names_bytes_ = 0;
  std::set<std::string> meta_keys_;  // for the duplicate check
};

}  // namespace

void parse_safetensors_header(const InputFile& file, uint64_t begin, uint64_t end, const std::string& source,
                              const std::function<void(const std::string&, const nlohmann::ordered_json&)>& on_tensor,
                              std::map<std::string, std::string>* metadata) {
  HeaderBytes bytes(file, begin, end);
  HeaderSax sax(source, bytes, on_tensor, metadata);
  Json::sax_parse(HeaderIter{&bytes}, HeaderIter{}, &sax, nlohmann::json::input_format_t::json, true);
}

}  // namespace faultbench::io
