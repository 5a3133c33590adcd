#include "const_tensor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <limits>

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include "faultbench/error.h"

namespace faultbench::onnx_import {

ConstTensor ConstTensor::floats(Shape dims, std::vector<float> values) {
  ConstTensor t;
  t.dims = std::move(dims);
  t.f = std::move(values);
  return t;
}

ConstTensor ConstTensor::ints(Shape dims, std::vector<int64_t> values, int onnx_type) {
  ConstTensor t;
  t.is_float = false;
  t.onnx_type = onnx_type;
  t.dims = std::move(dims);
  t.i = std::move(values);
  return t;
}

const char* onnx_type_name(int type) {
  static const char* const names[] = {"UNDEFINED", "FLOAT",  "UINT8",     "INT8",       "UINT16",  "INT16",
                                      "INT32",     "INT64",  "STRING",    "BOOL",       "FLOAT16", "DOUBLE",
                                      "UINT32",    "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16"};
  return type >= 0 && type < int(std::size(names)) ? names[type] : "unknown";
}

int64_t checked_numel(const Shape& dims, int64_t limit, const std::string& what) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) throw FormatError(fmt::format("{}: dimension {} is negative", what, d));
    if (d != 0 && n > limit / d)
      throw FormatError(fmt::format("{}: shape {} has more than {} elements", what, shape_to_string(dims), limit));
    n *= d;
  }
  return n;
}

namespace {

// Bytes per element of the types read from raw bytes; 0 for the unsupported ones.
size_t element_bytes(int type) {
  switch (type) {
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::INT32: return 4;
    case onnx::TensorProto::INT64: return 8;
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::BOOL: return 1;
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::UINT16: return 2;
    default: return 0;
  }
}

// Little-endian element k of raw bytes, widened (the host is little-endian, as everywhere
// faultbench runs; docs/DETERMINISM.md).
int64_t raw_int(const char* p, int type) {
  switch (type) {
    case onnx::TensorProto::INT64: {
      int64_t v;
      std::memcpy(&v, p, 8);
      return v;
    }
    case onnx::TensorProto::INT32: {
      int32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    case onnx::TensorProto::INT16: {
      int16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case onnx::TensorProto::UINT16: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case onnx::TensorProto::INT8: return int64_t(static_cast<int8_t>(*p));
    case onnx::TensorProto::BOOL: return *p != 0 ? 1 : 0;
    default: return int64_t(static_cast<uint8_t>(*p));
  }
}

void fill_from_raw(ConstTensor& t, const char* bytes, int64_t n) {
  const size_t size = element_bytes(t.onnx_type);
  if (t.is_float) {
    t.f.resize(size_t(n));
    if (n > 0) std::memcpy(t.f.data(), bytes, size_t(n) * 4);
  } else {
    t.i.resize(size_t(n));
    for (int64_t k = 0; k < n; ++k) t.i[size_t(k)] = raw_int(bytes + size_t(k) * size, t.onnx_type);
  }
}

// One regular file inside the model's folder, reached without following any link: the
// location is relative, has no "..", and every component is opened with O_NOFOLLOW.
std::string read_external(const onnx::TensorProto& t, TensorSource& source, const std::string& what,
                          uint64_t expected_bytes) {
  std::string location;
  uint64_t offset = 0, length = 0;
  bool have_length = false;
  for (const auto& e : t.external_data()) {
    auto number = [&](const std::string& text) {
      uint64_t v = 0;
      if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos)
        throw FormatError(fmt::format("{}: external data {} '{}' is not a byte count", what, e.key(), text));
      for (char c : text) v = v * 10 + uint64_t(c - '0');
      return v;
    };
    if (e.key() == "location")
      location = e.value();
    else if (e.key() == "offset")
      offset = number(e.value());
    else if (e.key() == "length") {
      length = number(e.value());
      have_length = true;
    }
  }
  if (source.folder.empty())
    throw FormatError(fmt::format("{}: external data '{}' cannot be read here (no model folder)", what, location));
  const std::filesystem::path rel(location);
  bool bad = location.empty() || rel.is_absolute() || location.find('\0') != std::string::npos;
  for (const auto& part : rel) bad = bad || part == "..";
  if (bad)
    throw FormatError(
        fmt::format("{}: external data location '{}' is not a file inside the model's folder", what, location));
  if (have_length && length != expected_bytes)
    throw FormatError(
        fmt::format("{}: external data length {} is not the {} bytes of its shape", what, length, expected_bytes));
  if (expected_bytes > source.max_external_bytes)
    throw FormatError(fmt::format("{}: external data beyond the limit of {} bytes", what, source.max_external_bytes));
  // Walk the components with openat(O_NOFOLLOW): a link anywhere is refused.
  int dir = ::open(source.folder.empty() ? "." : source.folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) throw IoError(fmt::format("{}: cannot open the folder {}", what, source.folder.string()));
  std::vector<std::string> parts;
  for (const auto& part : rel)
    if (part != "." && !part.empty()) parts.push_back(part.string());
  int fd = -1;
  for (size_t k = 0; k < parts.size(); ++k) {
    const bool last = k + 1 == parts.size();
    fd = ::openat(dir, parts[k].c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (last ? 0 : O_DIRECTORY));
    ::close(dir);
    if (fd < 0)
      throw FormatError(
          fmt::format("{}: external data '{}' cannot be opened inside the model's folder "
                      "(missing, or a link: {})",
                      what, location, std::strerror(errno)));
    dir = fd;
  }
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd >= 0) ::close(fd);
    throw FormatError(fmt::format("{}: external data '{}' is not a regular file", what, location));
  }
  if (offset > uint64_t(st.st_size) || expected_bytes > uint64_t(st.st_size) - offset) {
    ::close(fd);
    throw FormatError(fmt::format("{}: external data '{}': bytes {}..{} are beyond its {} bytes", what, location,
                                  offset, offset + expected_bytes, uint64_t(st.st_size)));
  }
  std::string bytes(expected_bytes, '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t r = ::pread(fd, bytes.data() + done, bytes.size() - done, off_t(offset + done));
    if (r <= 0) {
      ::close(fd);
      throw IoError(fmt::format("{}: cannot read external data '{}'", what, location));
    }
    done += size_t(r);
  }
  ::close(fd);
  source.max_external_bytes -= expected_bytes;
  return bytes;
}

}  // namespace

ConstTensor read_tensor(const onnx::TensorProto& t, TensorSource& source, const std::string& what) {
  const std::string where = source.file + ": " + what;
  ConstTensor out;
  out.onnx_type = t.data_type();
  const size_t size = element_bytes(out.onnx_type);
  if (size == 0)
    throw FormatError(
        fmt::format("{}: data type {} is not supported (supported: FLOAT, INT64, INT32, INT16, INT8, "
                    "UINT16, UINT8, BOOL)",
                    where, onnx_type_name(out.onnx_type)));
  out.is_float = out.onnx_type == onnx::TensorProto::FLOAT;
  out.dims.assign(t.dims().begin(), t.dims().end());
  // The element count is bounded by the bytes that can hold the values (the file or the
  // external data limit), before any allocation.
  const int64_t limit = std::numeric_limits<int32_t>::max();
  const int64_t n = checked_numel(out.dims, limit, where);
  const uint64_t bytes = uint64_t(n) * size;
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    const std::string raw = read_external(t, source, where, bytes);
    fill_from_raw(out, raw.data(), n);
    return out;
  }
  if (t.has_raw_data()) {
    if (t.raw_data().size() != bytes)
      throw FormatError(fmt::format("{}: raw_data holds {} bytes, its shape {} of {} needs {}", where,
                                    t.raw_data().size(), shape_to_string(out.dims), onnx_type_name(out.onnx_type),
                                    bytes));
    fill_from_raw(out, t.raw_data().data(), n);
    return out;
  }
  auto count_error = [&](int64_t have) {
    return FormatError(
        fmt::format("{}: holds {} values, its shape {} needs {}", where, have, shape_to_string(out.dims), n));
  };
  if (out.is_float) {
    if (t.float_data_size() != n) throw count_error(t.float_data_size());
    out.f.assign(t.float_data().begin(), t.float_data().end());
  } else if (out.onnx_type == onnx::TensorProto::INT64) {
    if (t.int64_data_size() != n) throw count_error(t.int64_data_size());
    out.i.assign(t.int64_data().begin(), t.int64_data().end());
  } else {
    if (t.int32_data_size() != n) throw count_error(t.int32_data_size());
    out.i.assign(t.int32_data().begin(), t.int32_data().end());
  }
  return out;
}

}  // namespace faultbench::onnx_import
