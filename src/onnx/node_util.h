// Node attributes and node-naming errors (internal to src/onnx).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace onnx {
class NodeProto;
class AttributeProto;
}  // namespace onnx

namespace faultbench::onnx_import {

// The node being imported, for its messages: "FILE: node 'NAME' (OpType): ...".
struct NodeRef {
  const std::string& file;
  const onnx::NodeProto& node;
  [[noreturn]] void fail(const std::string& what) const;
  // "attribute 'A' = V is not supported (supported: ...)"
  [[noreturn]] void unsupported_attribute(const std::string& name, const std::string& value,
                                          const std::string& supported) const;
  const onnx::AttributeProto* find(const std::string& name) const;
  int64_t get_int(const std::string& name, int64_t fallback) const;
  float get_float(const std::string& name, float fallback) const;
  std::string get_string(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> get_ints(const std::string& name, std::vector<int64_t> fallback) const;
  bool has(const std::string& name) const { return find(name) != nullptr; }
  // Fails naming the first attribute not in `known` (a typo or a newer attribute would
  // otherwise be ignored: a silent approximation).
  void only_attributes(const std::vector<std::string>& known) const;
  const std::string& op() const;
  std::string name() const;
};

std::string join_ints(const std::vector<int64_t>& v);

}  // namespace faultbench::onnx_import
