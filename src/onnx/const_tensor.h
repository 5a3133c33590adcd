// Constant tensors of an ONNX graph (internal to src/onnx): initializers, Constant nodes and
// the results of folding. Two element types cover what CNN graphs compute on constants:
// float (weights, normalization constants) and int64 (shapes, indices, pads; int32/int8/
// uint8/bool are widened to it, remembering the ONNX type for Cast and for messages).
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "faultbench/tensor.h"

namespace onnx {
class TensorProto;
}

namespace faultbench::onnx_import {

struct ConstTensor {
  bool is_float = true;
  int onnx_type = 1;  // TensorProto::DataType (FLOAT = 1, INT64 = 7, BOOL = 9, ...)
  Shape dims;
  std::vector<float> f;    // when is_float
  std::vector<int64_t> i;  // otherwise

  int64_t size() const { return is_float ? int64_t(f.size()) : int64_t(i.size()); }
  double at(int64_t k) const { return is_float ? double(f[size_t(k)]) : double(i[size_t(k)]); }
  int64_t int_at(int64_t k) const { return is_float ? int64_t(f[size_t(k)]) : i[size_t(k)]; }
  static ConstTensor floats(Shape dims, std::vector<float> values);
  static ConstTensor ints(Shape dims, std::vector<int64_t> values, int onnx_type = 7);
};

// Where tensor data may come from, for the messages and the external-data rule.
struct TensorSource {
  std::string file;                 // the .onnx path as given (messages)
  std::filesystem::path folder;     // its folder; empty: external data refused
  uint64_t max_external_bytes = 0;  // left for all external data together (decremented)
};

// The element count of `dims`; FormatError naming `what` when a dim is negative or the
// count exceeds `limit`.
int64_t checked_numel(const Shape& dims, int64_t limit, const std::string& what);

// Reads a TensorProto (raw_data, the typed fields, or external data inside source.folder).
// The element count is checked against the bytes that hold the values before anything is
// allocated. FormatError "FILE: <what>: ..." for a malformed tensor or an unsupported type.
ConstTensor read_tensor(const onnx::TensorProto& t, TensorSource& source, const std::string& what);

const char* onnx_type_name(int onnx_type);

}  // namespace faultbench::onnx_import
