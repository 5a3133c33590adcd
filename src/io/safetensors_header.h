// Streaming, bounded parse of a safetensors header (internal to src/io).
//
// The JSON is parsed as it is read from the file (nlohmann's SAX interface), never held
// whole and never built into one document: each tensor's entry is built alone, handed
// over, and dropped. Limits, each named by its error: nesting depth, tensor count, name
// length and total, values and string length within one entry, __metadata__ size (what
// the entries cost, not only their text); duplicate keys
// are refused at every level (JSON leaves their meaning open).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "input_file.h"

namespace faultbench::io {

struct SafetensorsLimits {
  static constexpr size_t kMaxDepth = 64;                            // a valid header nests 3 deep
  static constexpr size_t kMaxTensors = 100'000;                     // DenseNet161 has ~1,000
  static constexpr size_t kMaxNameBytes = 1024;                      // a dotted module path
  static constexpr uint64_t kMaxNamesBytes = uint64_t(16) << 20;     // all names: DenseNet161's take 40 KB
  static constexpr size_t kMaxEntryValues = 1024;                    // a valid entry has at most ~25
  static constexpr size_t kMaxEntryString = 256;                     // "dtype", "F32", ...
  static constexpr uint64_t kMaxMetadataBytes = uint64_t(16) << 20;  // 64 bytes an entry + its strings
};

// Parses header bytes [begin, end) of `file`. Calls on_tensor(name, entry) for each
// tensor in file order, as soon as its entry is complete; checks that __metadata__ is an
// object of strings and stores it in *metadata when not null. FormatError on any error
// ("<source>: safetensors header is not valid JSON: ..." for syntax errors).
void parse_safetensors_header(const InputFile& file, uint64_t begin, uint64_t end, const std::string& source,
                              const std::function<void(const std::string&, const nlohmann::ordered_json&)>& on_tensor,
                              std::map<std::string, std::string>* metadata);

}  // namespace faultbench::io
