// safetensors reader and writer. Layout: u64 LE header size N, N bytes of JSON, then the
// data buffer; each tensor's data_offsets [begin, end) are relative to the buffer.
#include "faultbench/io/safetensors.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "faultbench/error.h"
#include "faultbench/util/atomic_file.h"
#include "torch_tensors.h"

namespace faultbench {
namespace {

constexpr uint64_t kMaxHeader = 100'000'000;  // what the reference implementation accepts

struct StDType {
  const char* code;
  const char* name;
  int itemsize;
};
constexpr StDType kDTypes[] = {
    {"F64", "float64", 8}, {"F32", "float32", 4}, {"F16", "float16", 2}, {"BF16", "bfloat16", 2},
    {"I64", "int64", 8},   {"I32", "int32", 4},   {"I16", "int16", 2},   {"I8", "int8", 1},
    {"U64", "uint64", 8},  {"U32", "uint32", 4},  {"U16", "uint16", 2},  {"U8", "uint8", 1},
    {"BOOL", "bool", 1},
};

const StDType* find_dtype(const std::string& code) {
  for (const StDType& d : kDTypes)
    if (code == d.code) return &d;
  return nullptr;
}

struct Parsed {
  nlohmann::ordered_json header;
  size_t data_start = 0;  // file offset of the data buffer
};

Parsed parse_header(const std::vector<uint8_t>& file, const std::string& source) {
  if (file.size() < 8) throw FormatError(fmt::format("{}: {} bytes, too short for a safetensors header", source, file.size()));
  uint64_t n = 0;
  for (int k = 0; k < 8; ++k) n |= uint64_t(file[size_t(k)]) << (8 * k);
  if (n > kMaxHeader) throw FormatError(fmt::format("{}: safetensors header of {} bytes exceeds {}", source, n, kMaxHeader));
  if (n > file.size() - 8)
    throw FormatError(fmt::format("{}: safetensors header of {} bytes runs past the end of the file ({} bytes)", source, n,
                                  file.size()));
  Parsed p;
  p.data_start = 8 + size_t(n);
  try {
    p.header = nlohmann::ordered_json::parse(file.begin() + 8, file.begin() + std::ptrdiff_t(p.data_start));
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("{}: safetensors header is not valid JSON: {}", source, e.what()));
  }
  if (!p.header.is_object()) throw FormatError(fmt::format("{}: safetensors header is not a JSON object", source));
  return p;
}

int64_t json_size(const nlohmann::ordered_json& v, const std::string& where) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
    throw FormatError(fmt::format("{}: expected a non-negative integer, found {}", where, v.dump()));
  const uint64_t u = v.get<uint64_t>();
  if (u > uint64_t(INT64_MAX)) throw FormatError(fmt::format("{}: {} is too large", where, u));
  return int64_t(u);
}

}  // namespace

StateDict read_safetensors(const std::filesystem::path& path) {
  const std::string source = path.filename().string();
  const std::vector<uint8_t> file = io::read_file_bytes(path);
  const Parsed p = parse_header(file, source);
  const uint64_t buffer = file.size() - p.data_start;

  struct Span {
    uint64_t begin, end;
    std::string key;
  };
  std::vector<Span> spans;
  StateDict sd;
  sd.source = source;
  sd.format = "safetensors";
  for (const auto& [key, info] : p.header.items()) {
    const std::string where = fmt::format("{}: tensor '{}'", source, key);
    if (key == "__metadata__") {
      if (!info.is_object()) throw FormatError(fmt::format("{}: __metadata__ is not an object", source));
      for (const auto& [mk, mv] : info.items())
        if (!mv.is_string()) throw FormatError(fmt::format("{}: __metadata__ '{}' is not a string", source, mk));
      continue;
    }
    if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") || !info.contains("data_offsets"))
      throw FormatError(fmt::format("{}: expected an object with dtype, shape and data_offsets", where));
    const auto& jd = info["dtype"];
    const StDType* dt = jd.is_string() ? find_dtype(jd.get<std::string>()) : nullptr;
    if (!dt) throw FormatError(fmt::format("{}: unsupported dtype {}", where, jd.dump()));
    const auto& js = info["shape"];
    if (!js.is_array() || js.size() > 16) throw FormatError(fmt::format("{}: shape must be an array of rank <= 16", where));
    StateDictEntry e;
    e.key = key;
    e.dtype = dt->name;
    for (const auto& d : js) e.shape.push_back(json_size(d, where + " shape"));
    uint64_t count = 1;  // elements, bounded by the buffer size so it cannot overflow
    for (int64_t d : e.shape) {
      if (d == 0) count = 0;
      if (count != 0 && uint64_t(d) > buffer / count)
        throw FormatError(fmt::format("{}: shape {} is larger than the file", where, shape_to_string(e.shape)));
      count *= uint64_t(d);
    }
    const auto& jo = info["data_offsets"];
    if (!jo.is_array() || jo.size() != 2) throw FormatError(fmt::format("{}: data_offsets must be [begin, end]", where));
    const uint64_t b = uint64_t(json_size(jo[0], where + " data_offsets"));
    const uint64_t en = uint64_t(json_size(jo[1], where + " data_offsets"));
    if (b > en || en > buffer)
      throw FormatError(fmt::format("{}: data_offsets [{}, {}] outside the data buffer of {} bytes", where, b, en, buffer));
    if (en - b != count * uint64_t(dt->itemsize))
      throw FormatError(fmt::format("{}: data_offsets [{}, {}] hold {} bytes, shape {} {} needs {}", where, b, en, en - b,
                                    shape_to_string(e.shape), dt->code, count * uint64_t(dt->itemsize)));
    if (is_floating_dtype(e.dtype)) {
      const io::FloatLoader load = io::float_loader(e.dtype);
      e.value = Tensor(e.shape);
      const uint8_t* src = file.data() + p.data_start + b;
      for (size_t i = 0; i < e.value.data.size(); ++i) e.value.data[i] = load(src + i * size_t(dt->itemsize));
    }
    spans.push_back({b, en, key});
    sd.entries.push_back(std::move(e));
  }
  // The buffer must be covered exactly: sorted spans, no overlap, no hole.
  std::sort(spans.begin(), spans.end(), [](const Span& x, const Span& y) { return x.begin < y.begin || (x.begin == y.begin && x.end < y.end); });
  uint64_t at = 0;
  for (const Span& s : spans) {
    if (s.begin != at)
      throw FormatError(fmt::format("{}: tensor '{}' starts at byte {} of the data buffer, expected {} ({})", source, s.key,
                                    s.begin, at, s.begin < at ? "overlap" : "hole"));
    at = s.end;
  }
  if (at != buffer)
    throw FormatError(fmt::format("{}: data buffer has {} bytes, tensors cover {}", source, buffer, at));
  return sd;
}

std::map<std::string, std::string> read_safetensors_metadata(const std::filesystem::path& path) {
  const std::string source = path.filename().string();
  const Parsed p = parse_header(io::read_file_bytes(path), source);
  std::map<std::string, std::string> out;
  if (p.header.contains("__metadata__")) {
    const auto& m = p.header["__metadata__"];
    if (!m.is_object()) throw FormatError(fmt::format("{}: __metadata__ is not an object", source));
    for (const auto& [k, v] : m.items()) {
      if (!v.is_string()) throw FormatError(fmt::format("{}: __metadata__ '{}' is not a string", source, k));
      out[k] = v.get<std::string>();
    }
  }
  return out;
}

void write_safetensors(const Graph& graph, const std::filesystem::path& path,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json m = nlohmann::ordered_json::object();
    for (const auto& [k, v] : metadata) m[k] = v;
    header["__metadata__"] = std::move(m);
  }
  uint64_t offset = 0;
  for (const Param& p : graph.params) {
    const bool counter = p.role == ParamRole::NumBatchesTracked;
    uint64_t nbytes = counter ? 8 : uint64_t(numel(p.shape)) * 4;
    if (!counter && p.value.data.size() != size_t(numel(p.shape)))
      throw Error(fmt::format("write_safetensors: parameter '{}' holds {} values for shape {}", p.name,
                              p.value.data.size(), shape_to_string(p.shape)));
    header[p.name] = {{"dtype", counter ? "I64" : "F32"}, {"shape", p.shape}, {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // data buffer aligned to 8 bytes
  // The whole file in memory (at most ~100 MB for the zoo), written atomically.
  std::string file;
  file.reserve(8 + text.size() + size_t(offset));
  for (int k = 0; k < 8; ++k) file.push_back(char(uint8_t(uint64_t(text.size()) >> (8 * k))));
  file += text;
  for (const Param& p : graph.params) {
    if (p.role == ParamRole::NumBatchesTracked)
      file.append(8, '\0');
    else
      file.append(reinterpret_cast<const char*>(p.value.data.data()), p.value.data.size() * sizeof(float));
  }
  write_file_atomically(path, file);
}

}  // namespace faultbench
