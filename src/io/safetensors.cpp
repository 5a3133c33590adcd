// safetensors reader and writer. Layout: u64 LE header size N, N bytes of JSON, then the
// data buffer; each tensor's data_offsets [begin, end) are relative to the buffer.
#include "faultbench/io/safetensors.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "faultbench/error.h"
#include "faultbench/util/atomic_file.h"
#include "input_file.h"
#include "safetensors_header.h"
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
    {"F64", "float64", 8}, {"F32", "float32", 4}, {"F16", "float16", 2}, {"BF16", "bfloat16", 2}, {"I64", "int64", 8},
    {"I32", "int32", 4},   {"I16", "int16", 2},   {"I8", "int8", 1},     {"U64", "uint64", 8},    {"U32", "uint32", 4},
    {"U16", "uint16", 2},  {"U8", "uint8", 1},    {"BOOL", "bool", 1},
};

const StDType* find_dtype(const std::string& code) {
  for (const StDType& d : kDTypes)
    if (code == d.code) return &d;
  return nullptr;
}

const StDType* find_dtype_by_name(const std::string& name) {
  for (const StDType& d : kDTypes)
    if (name == d.name) return &d;
  return nullptr;
}

// The header's extent: [8, data_start) of the file.
uint64_t header_end(const io::InputFile& file, const std::string& source) {
  if (file.size() < 8)
    throw FormatError(fmt::format("{}: {} bytes, too short for a safetensors header", source, file.size()));
  uint8_t b[8];
  file.read_at(0, b, 8);
  uint64_t n = 0;
  for (int k = 0; k < 8; ++k) n |= uint64_t(b[k]) << (8 * k);
  if (n > kMaxHeader)
    throw FormatError(fmt::format("{}: safetensors header of {} bytes exceeds {}", source, n, kMaxHeader));
  if (n > file.size() - 8)
    throw FormatError(fmt::format("{}: safetensors header of {} bytes runs past the end of the file ({} bytes)", source,
                                  n, file.size()));
  return 8 + n;
}

int64_t json_size(const nlohmann::ordered_json& v, const std::string& where) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
    throw FormatError(fmt::format("{}: expected a non-negative integer, found {}", where, io::clip(v.dump())));
  const uint64_t u = v.get<uint64_t>();
  if (u > uint64_t(INT64_MAX)) throw FormatError(fmt::format("{}: {} is too large", where, u));
  return int64_t(u);
}

struct Span {
  uint64_t begin, end;
  size_t entry;  // index into StateDict::entries
};

// One tensor's entry, checked against the data buffer of `buffer` bytes.
Span check_entry(const std::string& source, const std::string& key, const nlohmann::ordered_json& info, uint64_t buffer,
                 StateDict& sd) {
  const std::string where = fmt::format("{}: tensor '{}'", source, key);
  if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") || !info.contains("data_offsets"))
    throw FormatError(fmt::format("{}: expected an object with dtype, shape and data_offsets", where));
  const auto& jd = info["dtype"];
  const StDType* dt = jd.is_string() ? find_dtype(jd.get<std::string>()) : nullptr;
  if (!dt) throw FormatError(fmt::format("{}: unsupported dtype {}", where, io::clip(jd.dump())));
  const auto& js = info["shape"];
  if (!js.is_array() || js.size() > 16)
    throw FormatError(fmt::format("{}: shape must be an array of rank <= 16", where));
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
    throw FormatError(
        fmt::format("{}: data_offsets [{}, {}] outside the data buffer of {} bytes", where, b, en, buffer));
  if (en - b != count * uint64_t(dt->itemsize))
    throw FormatError(fmt::format("{}: data_offsets [{}, {}] hold {} bytes, shape {} {} needs {}", where, b, en, en - b,
                                  shape_to_string(e.shape), dt->code, count * uint64_t(dt->itemsize)));
  sd.entries.push_back(std::move(e));
  return {b, en, sd.entries.size() - 1};
}

// Converts bytes [begin, end) of the file to e's fp32 values, a few MB at a time.
void read_values(const io::InputFile& file, uint64_t begin, uint64_t end, StateDictEntry& e) {
  const io::FloatLoader load = io::float_loader(e.dtype);
  const size_t isz = size_t(find_dtype_by_name(e.dtype)->itemsize);
  e.value = Tensor(e.shape);
  constexpr size_t kChunk = size_t(4) << 20;
  std::vector<uint8_t> buf;
  float* out = e.value.data.data();
  for (uint64_t at = begin; at < end;) {
    const size_t n = size_t(std::min<uint64_t>(kChunk / isz * isz, end - at));
    buf.resize(n);
    file.read_at(at, buf.data(), n);
    for (size_t i = 0; i < n; i += isz) *out++ = load(buf.data() + i);
    at += n;
  }
}

}  // namespace

StateDict read_safetensors(const std::filesystem::path& path, const Graph* model) {
  const std::string source = path.filename().string();
  const io::InputFile file(path);
  const uint64_t data_start = header_end(file, source);
  const uint64_t buffer = file.size() - data_start;

  StateDict sd;
  sd.source = source;
  sd.format = "safetensors";
  std::vector<Span> spans;
  io::parse_safetensors_header(
      file, 8, data_start, source,
      [&](const std::string& key, const nlohmann::ordered_json& info) {
        spans.push_back(check_entry(source, key, info, buffer, sd));
      },
      nullptr);
  // Each name once: which of two entries a reader would take is up to the reader.
  std::vector<size_t> by_name(sd.entries.size());
  for (size_t i = 0; i < by_name.size(); ++i) by_name[i] = i;
  std::sort(by_name.begin(), by_name.end(), [&](size_t a, size_t b) { return sd.entries[a].key < sd.entries[b].key; });
  for (size_t i = 1; i < by_name.size(); ++i)
    if (sd.entries[by_name[i]].key == sd.entries[by_name[i - 1]].key)
      throw FormatError(
          fmt::format("{}: tensor '{}' appears twice in the safetensors header", source, sd.entries[by_name[i]].key));
  // The buffer must be covered exactly: sorted spans, no overlap, no hole.
  std::vector<Span> sorted = spans;
  std::sort(sorted.begin(), sorted.end(),
            [](const Span& x, const Span& y) { return x.begin < y.begin || (x.begin == y.begin && x.end < y.end); });
  uint64_t at = 0;
  for (const Span& s : sorted) {
    if (s.begin != at)
      throw FormatError(fmt::format("{}: tensor '{}' starts at byte {} of the data buffer, expected {} ({})", source,
                                    sd.entries[s.entry].key, s.begin, at, s.begin < at ? "overlap" : "hole"));
    at = s.end;
  }
  if (at != buffer)
    throw FormatError(fmt::format("{}: data buffer has {} bytes, tensors cover {}", source, buffer, at));
  io::Selection selection(model);
  for (const Span& s : spans) {
    StateDictEntry& e = sd.entries[s.entry];
    if (selection.take(e.key, e.dtype, e.shape)) read_values(file, data_start + s.begin, data_start + s.end, e);
  }
  return sd;
}

std::map<std::string, std::string> read_safetensors_metadata(const std::filesystem::path& path) {
  const std::string source = path.filename().string();
  const io::InputFile file(path);
  std::map<std::string, std::string> out;
  io::parse_safetensors_header(
      file, 8, header_end(file, source), source, [](const std::string&, const nlohmann::ordered_json&) {}, &out);
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
    header[p.name] = {
        {"dtype", counter ? "I64" : "F32"}, {"shape", p.shape}, {"data_offsets", {offset, offset + nbytes}}};
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
