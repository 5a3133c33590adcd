#include "node_util.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <onnx/onnx_pb.h>

#include "faultbench/error.h"

namespace faultbench::onnx_import {

const std::string& NodeRef::op() const { return node.op_type(); }
std::string NodeRef::name() const { return node.name(); }

void NodeRef::fail(const std::string& what) const {
  throw FormatError(fmt::format("{}: node '{}' ({}): {}", file, node.name(), node.op_type(), what));
}

void NodeRef::unsupported_attribute(const std::string& name, const std::string& value,
                                    const std::string& supported) const {
  fail(fmt::format("attribute '{}' = {} is not supported (supported: {})", name, value, supported));
}

const onnx::AttributeProto* NodeRef::find(const std::string& name) const {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t NodeRef::get_int(const std::string& name, int64_t fallback) const {
  const auto* a = find(name);
  if (!a) return fallback;
  if (a->type() != onnx::AttributeProto::INT) fail("attribute '" + name + "' is not an integer");
  return a->i();
}

float NodeRef::get_float(const std::string& name, float fallback) const {
  const auto* a = find(name);
  if (!a) return fallback;
  if (a->type() != onnx::AttributeProto::FLOAT) fail("attribute '" + name + "' is not a float");
  return a->f();
}

std::string NodeRef::get_string(const std::string& name, const std::string& fallback) const {
  const auto* a = find(name);
  if (!a) return fallback;
  if (a->type() != onnx::AttributeProto::STRING) fail("attribute '" + name + "' is not a string");
  return a->s();
}

std::vector<int64_t> NodeRef::get_ints(const std::string& name, std::vector<int64_t> fallback) const {
  const auto* a = find(name);
  if (!a) return fallback;
  if (a->type() != onnx::AttributeProto::INTS) fail("attribute '" + name + "' is not a list of integers");
  return {a->ints().begin(), a->ints().end()};
}

void NodeRef::only_attributes(const std::vector<std::string>& known) const {
  for (const auto& a : node.attribute())
    if (std::find(known.begin(), known.end(), a.name()) == known.end()) {
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      fail(fmt::format("attribute '{}' is not supported (supported: {})", a.name(), list.empty() ? "none" : list));
    }
}

std::string join_ints(const std::vector<int64_t>& v) { return fmt::format("[{}]", fmt::join(v, ", ")); }

}  // namespace faultbench::onnx_import
