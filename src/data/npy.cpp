// Strict .npy reader (format: see npy.h). The header dict is parsed by a small grammar of
// its own rather than a Python-literal evaluator: only the three keys numpy writes, with
// the value types numpy writes, are accepted.
#include "faultbench/data/npy.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>

#include "faultbench/error.h"

namespace faultbench {

const char* npy_dtype_name(NpyDtype dtype) {
  switch (dtype) {
    case NpyDtype::Float32: return "'<f4' (float32)";
    case NpyDtype::Int64: return "'<i8' (int64)";
    case NpyDtype::Int32: return "'<i4' (int32)";
  }
  return "?";
}

int npy_dtype_size(NpyDtype dtype) { return dtype == NpyDtype::Int64 ? 8 : 4; }

std::string NpyArray::shape_text() const {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

namespace {

// The header dict, read left to right; every failure names the byte offset in the file.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, size_t file_offset, const std::string& name)
      : text_(text), base_(file_offset), name_(name) {}

  NpyArray parse() {
    std::optional<std::string> descr;
    std::optional<bool> fortran;
    std::optional<std::vector<int64_t>> shape;
    skip_space();
    expect('{');
    skip_space();
    while (peek() != '}') {
      const size_t key_at = pos_;
      const std::string key = string_literal();
      skip_space();
      expect(':');
      skip_space();
      auto once = [&](bool seen) {
        if (seen) fail_at(key_at, fmt::format("key '{}' appears twice", key));
      };
      if (key == "descr") {
        once(descr.has_value());
        descr = string_literal();
      } else if (key == "fortran_order") {
        once(fortran.has_value());
        fortran = boolean();
      } else if (key == "shape") {
        once(shape.has_value());
        shape = tuple();
      } else {
        fail_at(key_at, fmt::format("unexpected key '{}' (expected descr, fortran_order, shape)", key));
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        skip_space();
      } else if (peek() != '}') {
        fail("expected ',' or '}'");
      }
    }
    ++pos_;
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the header dict");
    if (!descr || !fortran || !shape)
      fail(fmt::format("the header dict lacks '{}'", !descr ? "descr" : !fortran ? "fortran_order" : "shape"));
    if (*fortran)
      throw FormatError(
          fmt::format("{}: fortran_order True is not supported (save a C-order array: "
                      "np.save(path, np.ascontiguousarray(a)))",
                      name_));
    NpyArray a;
    if (*descr == "<f4") {
      a.dtype = NpyDtype::Float32;
    } else if (*descr == "<i8") {
      a.dtype = NpyDtype::Int64;
    } else if (*descr == "<i4") {
      a.dtype = NpyDtype::Int32;
    } else {
      throw FormatError(fmt::format("{}: descr '{}' is not supported (supported: '<f4', '<i8', '<i4')", name_, *descr));
    }
    a.shape = std::move(*shape);
    return a;
  }

 private:
  [[noreturn]] void fail_at(size_t at, const std::string& what) const {
    throw FormatError(fmt::format("{}: .npy header, byte {}: {}", name_, base_ + at, what));
  }
  [[noreturn]] void fail(const std::string& what) const { fail_at(pos_, what); }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\t')) ++pos_;
  }
  void expect(char c) {
    if (peek() != c) fail(fmt::format("expected '{}'", c));
    ++pos_;
  }
  // '...' or "...", printable ASCII without backslashes (no key or value numpy writes has any).
  std::string string_literal() {
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail("expected a quoted string");
    const size_t start = ++pos_;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      const unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c < 0x20 || c > 0x7e || c == '\\') fail("unexpected character in a string");
      ++pos_;
    }
    if (pos_ >= text_.size()) fail("unterminated string");
    return std::string(text_.substr(start, pos_++ - start));
  }
  bool boolean() {
    for (const auto& [word, value] : {std::pair{std::string_view("True"), true}, {"False", false}}) {
      if (text_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        return value;
      }
    }
    fail("expected True or False");
  }
  // (), (n,), (a, b, ...) with an optional trailing comma; (n) is an int in Python, not a shape.
  std::vector<int64_t> tuple() {
    expect('(');
    std::vector<int64_t> dims;
    bool comma_after_last = false;
    skip_space();
    while (peek() != ')') {
      if (dims.size() >= 32) fail("more than 32 dimensions");
      dims.push_back(integer());
      skip_space();
      comma_after_last = peek() == ',';
      if (comma_after_last) {
        ++pos_;
        skip_space();
      } else if (peek() != ')') {
        fail("expected ',' or ')' in the shape");
      }
    }
    if (dims.size() == 1 && !comma_after_last) fail("a one-dimensional shape is written (n,)");
    ++pos_;
    return dims;
  }
  int64_t integer() {
    if (peek() < '0' || peek() > '9') fail("expected a non-negative integer");
    int64_t v = 0;
    while (peek() >= '0' && peek() <= '9') {
      v = v * 10 + (peek() - '0');
      if (v > kNpyMaxDim) fail(fmt::format("dimension larger than {}", kNpyMaxDim));
      ++pos_;
    }
    return v;
  }

  std::string_view text_;
  size_t base_;
  const std::string& name_;
  size_t pos_ = 0;
};

uint32_t read_le(const unsigned char* p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

NpyArray parse_npy(std::span<const unsigned char> file, const std::string& name) {
  static constexpr unsigned char kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (file.size() < 8 || std::memcmp(file.data(), kMagic, 6) != 0)
    throw FormatError(fmt::format("{}: not a .npy file (it does not start with \\x93NUMPY)", name));
  const int major = file[6], minor = file[7];
  if (major < 1 || major > 3 || minor != 0)
    throw FormatError(
        fmt::format("{}: .npy format version {}.{} is not supported (1.0, 2.0, 3.0)", name, major, minor));
  const size_t length_bytes = major == 1 ? 2 : 4;
  if (file.size() < 8 + length_bytes)
    throw FormatError(
        fmt::format("{}: truncated .npy file ({} bytes, ends inside the header length)", name, file.size()));
  const size_t header_len = read_le(file.data() + 8, int(length_bytes));
  const size_t header_at = 8 + length_bytes;
  if (header_len > kNpyMaxHeaderBytes)
    throw FormatError(fmt::format("{}: .npy header of {} bytes is longer than the limit of {} bytes", name, header_len,
                                  kNpyMaxHeaderBytes));
  if (file.size() - header_at < header_len)
    throw FormatError(fmt::format("{}: truncated .npy file ({} bytes, the header ends at byte {})", name, file.size(),
                                  header_at + header_len));
  const std::string_view text(reinterpret_cast<const char*>(file.data() + header_at), header_len);
  NpyArray a = HeaderParser(text, header_at, name).parse();
  a.data_offset = header_at + header_len;

  int64_t numel = 1;
  for (int64_t d : a.shape)
    if (__builtin_mul_overflow(numel, d, &numel) || numel > (int64_t(1) << 60))
      throw FormatError(fmt::format("{}: shape {} has too many elements", name, a.shape_text()));
  a.numel = numel;
  const uint64_t need = uint64_t(numel) * uint64_t(npy_dtype_size(a.dtype));
  const uint64_t have = file.size() - a.data_offset;
  if (have != need)
    throw FormatError(fmt::format("{}: {} data: {} bytes after the header, shape {} of {} needs {} bytes", name,
                                  have < need ? "truncated" : "oversized", have, a.shape_text(),
                                  npy_dtype_name(a.dtype), need));
  return a;
}

MappedFile::MappedFile(const std::filesystem::path& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(fmt::format("{}: cannot open for reading: {}", path.string(), std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw IoError(fmt::format("{}: not a regular file", path.string()));
  }
  size_ = size_t(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      throw IoError(fmt::format("{}: cannot map: {}", path.string(), std::strerror(err)));
    }
    data_ = static_cast<const unsigned char*>(p);
  }
  ::close(fd);  // the mapping keeps the file
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<unsigned char*>(data_), size_);
}

NpyFile open_npy(const std::filesystem::path& path) {
  NpyFile f;
  f.file = std::make_shared<const MappedFile>(path);
  f.array = parse_npy(f.file->bytes(), path.string());
  return f;
}

}  // namespace faultbench
