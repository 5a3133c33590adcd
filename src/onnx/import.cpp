// import_onnx: reading the protobuf within limits, ordering and walking the nodes.
#include "faultbench/onnx/import.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <queue>

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/stubs/logging.h>
#include <onnx/onnx_pb.h>

#include "faultbench/error.h"
#include "fold.h"
#include "importer.h"
#include "quantized.h"

namespace faultbench {

namespace onnx_import {

Importer::Importer(const onnx::ModelProto& model, std::string file, TensorSource source,
                   const OnnxImportOptions& options, std::string model_name)
    : model_(model), file_(std::move(file)), source_(std::move(source)), options_(options) {
  graph_.model = std::move(model_name);
  graph_.dataset = options.dataset;
}

namespace {
// Opsets the importer was written and tested against (docs/ONNX.md).
constexpr int kMinOpset = 6, kMaxOpset = 18;
}  // namespace

void Importer::bind_initializers() {
  for (const auto& t : model_.graph().initializer()) {
    if (values_.count(t.name())) throw FormatError(fmt::format("{}: initializer '{}' is given twice", file_, t.name()));
    Binding b;
    b.constant = read_tensor(t, source_, "initializer '" + t.name() + "'");
    values_.emplace(t.name(), std::move(b));
  }
}

void Importer::add_input() {
  std::vector<const onnx::ValueInfoProto*> inputs;
  for (const auto& i : model_.graph().input())
    if (!values_.count(i.name())) inputs.push_back(&i);  // else an initializer listed as an input (older exporters)
  if (inputs.size() > 1) {
    std::string names;
    constexpr size_t kNamed = 5;  // a hostile file may declare millions
    for (size_t k = 0; k < inputs.size() && k < kNamed; ++k)
      names += fmt::format("{}'{}'", k ? ", " : "", inputs[k]->name());
    if (inputs.size() > kNamed) names += fmt::format(" and {} more", inputs.size() - kNamed);
    throw FormatError(
        fmt::format("{}: a graph with {} inputs ({}) is not supported (one input, the images; every "
                    "other input must be an initializer)",
                    file_, inputs.size(), names));
  }
  const onnx::ValueInfoProto* input = inputs.empty() ? nullptr : inputs[0];
  if (input == nullptr) throw FormatError(fmt::format("{}: a graph without an input is not supported", file_));
  const std::string where = fmt::format("{}: graph input '{}'", file_, input->name());
  const auto& type = input->type();
  if (!type.has_tensor_type() || type.tensor_type().elem_type() != onnx::TensorProto::FLOAT)
    throw FormatError(fmt::format("{}: element type {} is not supported (FLOAT is)", where,
                                  onnx_type_name(type.has_tensor_type() ? type.tensor_type().elem_type() : 0)));
  // A batch of images [N, C, H, W] (or of [N, C, H], [N, C]: the contract's per-image
  // (c, h, w) padded with 1s); N fixed or symbolic, everything else static.
  const auto& shape = type.tensor_type().shape();
  if (shape.dim_size() < 2 || shape.dim_size() > 4)
    throw FormatError(
        fmt::format("{}: rank {} is not supported (an image batch [N, C, H, W] is)", where, shape.dim_size()));
  const auto& n = shape.dim(0);
  if (n.has_dim_value() && (n.dim_value() < 1 || n.dim_value() > 65536))
    throw FormatError(
        fmt::format("{}: batch dimension {} is not supported (1..65536 or symbolic)", where, n.dim_value()));
  batch_ = n.has_dim_value() ? n.dim_value() : 1;
  int chw[3] = {1, 1, 1};
  for (int d = 1; d < shape.dim_size(); ++d) {
    const auto& dim = shape.dim(d);
    if (!dim.has_dim_value() || dim.dim_value() < 1 || dim.dim_value() > 65536)
      throw FormatError(fmt::format("{}: dimension {} is not supported (a number in 1..65536 is)", where, d));
    chw[d - 1] = int(dim.dim_value());
  }
  graph_.input_shape = ValueShape{chw[0], chw[1], chw[2]};
  if (graph_.input_shape.numel() > (int64_t(1) << 28)) throw FormatError(where + ": the image is too large");
  Node node;
  node.kind = OpKind::Input;
  node.output = 0;
  graph_.values.push_back(graph_.input_shape);
  graph_.nodes.push_back(node);
  graph_.input_value = 0;
  Binding b;
  b.dynamic.value = 0;
  b.dynamic.rank = shape.dim_size();
  values_.emplace(input->name(), std::move(b));
}

// The nodes that the graph output depends on, in file order. A node input that no earlier
// node, initializer or graph input defines is an error naming it; so is a cycle.
std::vector<int> Importer::node_order() const {
  const auto& nodes = model_.graph().node();
  std::map<std::string, int> producer;
  for (int k = 0; k < nodes.size(); ++k)
    for (const std::string& o : nodes[k].output()) {
      if (o.empty()) continue;
      if (values_.count(o) || !producer.emplace(o, k).second)
        throw FormatError(fmt::format("{}: node '{}' ({}): output '{}' is defined twice", file_, nodes[k].name(),
                                      nodes[k].op_type(), o));
    }
  // Kahn's algorithm, smallest index first: the file's order whenever it is a valid one.
  std::vector<int> pending(size_t(nodes.size()), 0);
  std::vector<std::vector<int>> users(size_t(nodes.size()));
  for (int k = 0; k < nodes.size(); ++k)
    for (const std::string& i : nodes[k].input()) {
      if (i.empty() || values_.count(i)) continue;
      const auto p = producer.find(i);
      if (p == producer.end())
        throw FormatError(
            fmt::format("{}: node '{}' ({}): input '{}' is not defined (no initializer, graph input "
                        "or node output has that name)",
                        file_, nodes[k].name(), nodes[k].op_type(), i));
      ++pending[size_t(k)];
      users[size_t(p->second)].push_back(k);
    }
  std::priority_queue<int, std::vector<int>, std::greater<>> ready;
  for (int k = 0; k < nodes.size(); ++k)
    if (pending[size_t(k)] == 0) ready.push(k);
  std::vector<int> order;
  while (!ready.empty()) {
    const int k = ready.top();
    ready.pop();
    order.push_back(k);
    for (int u : users[size_t(k)])
      if (--pending[size_t(u)] == 0) ready.push(u);
  }
  if (order.size() != size_t(nodes.size())) {
    for (int k = 0; k < nodes.size(); ++k)
      if (pending[size_t(k)] > 0)
        throw FormatError(fmt::format("{}: node '{}' ({}): the graph has a cycle through this node", file_,
                                      nodes[k].name(), nodes[k].op_type()));
  }
  for (size_t k = 0; k < order.size(); ++k)
    if (order[k] != int(k)) {
      // The first node out of place reads a value that a later node defines.
      const int bad = int(k);
      for (const std::string& i : nodes[bad].input()) {
        const auto p = producer.find(i);
        if (p != producer.end() && p->second > bad)
          throw FormatError(
              fmt::format("{}: node '{}' ({}): input '{}' is used before node '{}' defines it "
                          "(ONNX nodes are in topological order)",
                          file_, nodes[bad].name(), nodes[bad].op_type(), i, nodes[p->second].name()));
      }
    }
  // Only what the output needs: dead branches are not imported.
  std::vector<bool> needed(size_t(nodes.size()), false);
  std::vector<std::string> stack;
  for (const auto& o : model_.graph().output()) stack.push_back(o.name());
  while (!stack.empty()) {
    const std::string v = stack.back();
    stack.pop_back();
    const auto p = producer.find(v);
    if (p == producer.end() || needed[size_t(p->second)]) continue;
    needed[size_t(p->second)] = true;
    for (const std::string& i : nodes[p->second].input())
      if (!i.empty()) stack.push_back(i);
  }
  std::vector<int> out;
  for (int k : order)
    if (needed[size_t(k)]) out.push_back(k);
  return out;
}

void Importer::import_node(const onnx::NodeProto& node) {
  const NodeRef n{file_, node};
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    n.fail(fmt::format("domain '{}' is not supported (only the default ONNX domain)", node.domain()));
  if (node.op_type() == "Constant") {
    if (node.output_size() != 1) n.fail("a Constant has one output");
    Binding b;
    b.constant = constant_value(n, source_);
    values_[node.output(0)] = std::move(b);
    return;
  }
  std::vector<const Binding*> in;
  bool all_constant = true;
  for (const std::string& name : node.input()) {
    if (name.empty()) {
      in.push_back(nullptr);
      continue;
    }
    const Binding& b = values_.at(name);
    in.push_back(&b);
    all_constant = all_constant && b.is_constant();
  }
  // Shape of a dynamic value is static: a constant.
  if ((node.op_type() == "Shape" || node.op_type() == "Size") && !in.empty() && in[0] && !in[0]->is_constant()) {
    const Dynamic& d = in[0]->dynamic;
    Shape dims = onnx_dims(graph_.values[size_t(d.value)], d.rank, batch_);
    if (d.slice)
      for (size_t k = 0; k < dims.size(); ++k) dims[k] = d.slice->count[k];
    ConstTensor stand_in = ConstTensor::floats(dims, {});
    stand_in.f.clear();
    std::vector<ConstTensor> out;
    if (node.op_type() == "Size") {
      out.push_back(ConstTensor::ints({}, {numel(dims)}));
    } else {
      const std::vector<const ConstTensor*> args{&stand_in};
      fold_node(n, args, opset_, options_.max_constant_elements, out);
    }
    Binding b;
    b.constant = std::move(out[0]);
    values_[node.output(0)] = std::move(b);
    return;
  }
  if (all_constant) {
    std::vector<const ConstTensor*> args;
    for (const Binding* b : in) args.push_back(b ? &*b->constant : nullptr);
    std::vector<ConstTensor> out;
    if (fold_node(n, args, opset_, options_.max_constant_elements, out)) {
      if (out.size() < size_t(node.output_size()))
        n.fail(fmt::format("{} outputs are not supported here", node.output_size()));
      for (size_t k = 0; k < size_t(node.output_size()); ++k) {
        if (node.output(int(k)).empty()) continue;
        Binding b;
        b.constant = std::move(out[k]);
        values_[node.output(int(k))] = std::move(b);
      }
      return;
    }
  }
  // What this node reads as constants, for the parameters' one-reader rule (importer.h).
  const std::string label = fmt::format("'{}' ({})", node.name(), node.op_type());
  for (size_t k = 0; k < in.size(); ++k) {
    if (!in[k] || !in[k]->is_constant()) continue;
    std::vector<std::string>& readers = consumers_[node.input(int(k))];
    if (readers.empty() || readers.back() != label) readers.push_back(label);
    check_parameter_readers(n, node.input(int(k)), false);
  }
  map_node(n, in);
}

Graph Importer::run() {
  for (const auto& o : model_.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") opset_ = int(o.version());
  if (opset_ < kMinOpset || opset_ > kMaxOpset)
    throw FormatError(
        fmt::format("{}: opset {} is not supported (supported: {} to {})", file_, opset_, kMinOpset, kMaxOpset));
  if (model_.graph().node_size() > options_.max_nodes)
    throw FormatError(
        fmt::format("{}: {} nodes, more than the limit of {}", file_, model_.graph().node_size(), options_.max_nodes));
  bind_initializers();
  add_input();
  if (model_.graph().output_size() != 1)
    throw FormatError(
        fmt::format("{}: a graph with {} outputs is not supported (one output)", file_, model_.graph().output_size()));
  for (int k : node_order()) import_node(model_.graph().node(k));
  const std::string& out_name = model_.graph().output(0).name();
  const auto found = values_.find(out_name);
  if (found == values_.end()) throw FormatError(fmt::format("{}: graph output '{}' is not defined", file_, out_name));
  if (found->second.is_constant())
    throw FormatError(
        fmt::format("{}: a graph output that does not depend on the input ('{}') is not supported", file_, out_name));
  const onnx::NodeProto output_node;
  const NodeRef n{file_, output_node};
  const int value = materialize(n, found->second);
  // Any shape here (the conformance suite's outputs); the verbs that classify ask for
  // logits [N, K] (campaign/model_source.h).
  graph_.output_value = value;
  graph_.classes = int(graph_.values[size_t(value)].numel());  // the executor writes [N, classes]
  return std::move(graph_);
}

}  // namespace onnx_import

namespace {

Graph import_parsed(std::string_view bytes, const std::string& name, onnx_import::TensorSource source,
                    const OnnxImportOptions& options, std::string model_name) {
  if (bytes.size() > options.max_file_bytes)
    throw FormatError(fmt::format("{}: {} bytes, more than the limit of {} bytes for an ONNX model", name, bytes.size(),
                                  options.max_file_bytes));
  onnx::ModelProto model;
  {
    // protobuf would log its own complaint to stderr; the FormatError below says it all.
    google::protobuf::LogSilencer silence;
    google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t*>(bytes.data()), int(bytes.size()));
    stream.SetTotalBytesLimit(int(std::min<uint64_t>(bytes.size() + 1, INT32_MAX)));
    stream.SetRecursionLimit(64);
    if (!model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage())
      throw FormatError(
          fmt::format("{}: not an ONNX model (the protobuf does not parse: truncated or not ONNX)", name));
  }
  if (!model.has_graph() || model.graph().node_size() == 0)
    throw FormatError(fmt::format("{}: not an ONNX model (no graph nodes)", name));
  source.max_external_bytes = options.max_external_bytes;
  // A quantized model (QDQ or QLinear operators) comes in as the int8 graph of its own scales.
  if (onnx_import::is_quantized_model(model)) {
    const onnx_import::QuantPlan plan = onnx_import::strip_quantization(model, name, source);
    onnx_import::Importer importer(model, name, std::move(source), options, std::move(model_name));
    return onnx_import::build_int8_graph(importer.run(), plan, name);
  }
  onnx_import::Importer importer(model, name, std::move(source), options, std::move(model_name));
  return importer.run();
}

}  // namespace

bool is_onnx_model_path(std::string_view model) {
  if (model.size() < 5) return false;
  std::string tail(model.substr(model.size() - 5));
  for (char& c : tail) c = char(std::tolower(static_cast<unsigned char>(c)));
  return tail == ".onnx";
}

Graph import_onnx_bytes(std::string_view bytes, const std::string& name, const OnnxImportOptions& options) {
  return import_parsed(bytes, name, onnx_import::TensorSource{name, {}, 0}, options, "onnx");
}

Graph import_onnx(const std::filesystem::path& path, const OnnxImportOptions& options) {
  const std::string name = path.string();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(fmt::format("{}: cannot open for reading: {}", name, std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw IoError(fmt::format("{}: not a regular file", name));
  }
  if (uint64_t(st.st_size) > options.max_file_bytes) {
    ::close(fd);
    throw FormatError(fmt::format("{}: {} bytes, more than the limit of {} bytes for an ONNX model", name,
                                  uint64_t(st.st_size), options.max_file_bytes));
  }
  std::string bytes(size_t(st.st_size), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t r = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (r <= 0) {
      ::close(fd);
      throw IoError(fmt::format("{}: cannot read: {}", name, r < 0 ? std::strerror(errno) : "file got shorter"));
    }
    done += size_t(r);
  }
  ::close(fd);
  std::filesystem::path folder = path.parent_path();
  if (folder.empty()) folder = ".";
  return import_parsed(bytes, name, onnx_import::TensorSource{name, folder, 0}, options, path.stem().string());
}

}  // namespace faultbench
