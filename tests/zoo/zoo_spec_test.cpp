// Structure of the 19 zoo graphs against the specification (MODELS.md / models.json):
// state_dict names, shapes and order, BN eps, conv/linear configs, counts and MACs.
//
// With $FAULTBENCH_DATA/../spec/models.json present every list is compared entry by entry;
// without it the committed digest tests/zoo/zoo_expected.json (tools/zoo_digest.py) is used,
// so a fresh clone still checks the structure.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "faultbench/error.h"
#include "faultbench/zoo/zoo.h"
#include "test_support.h"

namespace faultbench {
namespace {

using nlohmann::json;

// ---- canonical text forms, identical to tools/zoo_digest.py ----

std::string fnv1a64(const std::string& text) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001B3ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

template <typename Dims>
std::string dims_str(const Dims& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "," : "") + std::to_string(dims[i]);
  return s + "]";
}

// "name[d0,d1]" per entry, parameters (weights/biases) or buffers, in state_dict order.
std::vector<std::string> graph_entries(const Graph& g, bool parameters) {
  std::vector<std::string> out;
  for (const Param& p : g.params)
    if (p.is_parameter() == parameters) out.push_back(p.name + dims_str(p.shape));
  return out;
}

std::vector<std::string> json_entries(const json& list) {
  std::vector<std::string> out;
  for (const json& e : list) out.push_back(e.at(0).get<std::string>() + dims_str(e.at(1).get<std::vector<int64_t>>()));
  return out;
}

std::vector<std::string> graph_layers(const Graph& g) {
  std::vector<std::string> out;
  for (const Node& n : g.nodes) {
    if (n.kind == OpKind::Conv2d) {
      const auto& a = std::get<Conv2dAttrs>(n.attrs);
      const ValueShape& i = g.values[size_t(n.inputs.at(0))];
      const ValueShape& o = g.values[size_t(n.output)];
      const int64_t macs =
          int64_t(o.h) * o.w * a.out_channels * (a.in_channels / a.groups) * a.window.kernel_h * a.window.kernel_w;
      char buf[512];
      std::snprintf(buf, sizeof buf, "%s Conv2d %d->%d k%dx%d s%dx%d p%dx%d g%d bias%d [%d,%d,%d]->[%d,%d,%d] macs%lld",
                    n.name.c_str(), a.in_channels, a.out_channels, a.window.kernel_h, a.window.kernel_w,
                    a.window.stride_h, a.window.stride_w, a.window.pad_top, a.window.pad_left, a.groups, int(a.bias),
                    i.c, i.h, i.w, o.c, o.h, o.w, static_cast<long long>(macs));
      out.push_back(buf);
    } else if (n.kind == OpKind::Linear) {
      const auto& a = std::get<LinearAttrs>(n.attrs);
      out.push_back(n.name + " Linear " + std::to_string(a.in_features) + "->" + std::to_string(a.out_features) +
                    " bias1 macs" + std::to_string(int64_t(a.in_features) * a.out_features));
    }
  }
  return out;
}

std::vector<std::string> json_layers(const json& layers) {
  std::vector<std::string> out;
  for (const json& l : layers) {
    const std::string name = l.at("name");
    if (l.at("type") == "Conv2d") {
      const auto k = l.at("kernel"), s = l.at("stride"), p = l.at("padding");
      out.push_back(name + " Conv2d " + std::to_string(l.at("in_channels").get<int>()) + "->" +
                    std::to_string(l.at("out_channels").get<int>()) + " k" + std::to_string(k[0].get<int>()) + "x" +
                    std::to_string(k[1].get<int>()) + " s" + std::to_string(s[0].get<int>()) + "x" +
                    std::to_string(s[1].get<int>()) + " p" + std::to_string(p[0].get<int>()) + "x" +
                    std::to_string(p[1].get<int>()) + " g" + std::to_string(l.at("groups").get<int>()) + " bias" +
                    std::to_string(int(l.at("bias").get<bool>())) + " " +
                    dims_str(l.at("input_shape").get<std::vector<int>>()) + "->" +
                    dims_str(l.at("output_shape").get<std::vector<int>>()) + " macs" +
                    std::to_string(l.at("macs").get<int64_t>()));
    } else {
      out.push_back(name + " Linear " + std::to_string(l.at("in_features").get<int>()) + "->" +
                    std::to_string(l.at("out_features").get<int>()) + " bias" +
                    std::to_string(int(l.at("bias").get<bool>())) + " macs" +
                    std::to_string(l.at("macs").get<int64_t>()));
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

std::map<std::string, double> graph_eps_overrides(const Graph& g) {
  std::map<std::string, double> out;
  for (const Node& n : g.nodes)
    if (n.kind == OpKind::BatchNorm2d && std::get<BatchNormAttrs>(n.attrs).eps != 1e-5)
      out[n.name] = std::get<BatchNormAttrs>(n.attrs).eps;
  return out;
}

int count_nodes(const Graph& g, OpKind kind) {
  int n = 0;
  for (const Node& node : g.nodes) n += node.kind == kind;
  return n;
}

std::string upper(std::string s) {
  for (char& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

json load_json(const std::filesystem::path& p) {
  std::ifstream in(p);
  if (!in) throw std::runtime_error("cannot open " + p.string());
  return json::parse(in);
}

std::optional<json> spec_models() {
  auto data = testing::reference_data_dir();
  if (!data) return std::nullopt;
  const auto path = *data / ".." / "spec" / "models.json";
  if (!std::filesystem::exists(path)) return std::nullopt;
  return load_json(path);
}

// Element-by-element comparison with a readable first difference.
void expect_same_lines(const std::vector<std::string>& got, const std::vector<std::string>& want,
                       const std::string& what) {
  EXPECT_EQ(got.size(), want.size()) << what << ": entry count";
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    if (got[i] != want[i]) {
      ADD_FAILURE() << what << " entry " << i << ": built '" << got[i] << "', spec '" << want[i] << "'";
      return;
    }
  }
}

// Common checks of a graph against either a models.json entry or a digest entry.
void expect_counts(const Graph& g, const ModelInfo& info, const json& e) {
  EXPECT_EQ(upper(info.dataset), e.at("dataset").get<std::string>());
  EXPECT_EQ(info.reference_name, e.at("model").get<std::string>());
  EXPECT_EQ(info.fault_list, e.at("fault_list").is_null() ? "" : e.at("fault_list").get<std::string>());
  const auto input = e.at("input").get<std::vector<int>>();
  EXPECT_EQ(g.input_shape, (ValueShape{input.at(0), input.at(1), input.at(2)}));
  EXPECT_EQ(info.input, g.input_shape);
  EXPECT_EQ(g.classes, e.at("classes").get<int>());
  EXPECT_EQ(info.classes, g.classes);
  EXPECT_EQ(g.values[size_t(g.output_value)], (ValueShape{g.classes, 1, 1}));
  EXPECT_EQ(g.parameter_count(), e.at("params_total").get<int64_t>());
  EXPECT_EQ(g.fault_site_weight_count(), e.at("conv_linear_weights").get<int64_t>());
  EXPECT_EQ(int64_t(g.fault_site_params().size()), e.at("num_conv_linear_layers").get<int64_t>());
  EXPECT_EQ(g.macs_per_image(), e.at("macs_per_image").get<int64_t>());
  EXPECT_EQ(count_nodes(g, OpKind::BatchNorm2d), e.at("num_batchnorm").get<int>());
  std::map<std::string, double> want_eps;
  for (const auto& [k, v] : e.at("batchnorm_eps_overrides").items()) want_eps[k] = v.get<double>();
  EXPECT_EQ(graph_eps_overrides(g), want_eps);
}

class ZooSpec : public ::testing::TestWithParam<int> {
 protected:
  const ModelInfo& info() const { return zoo_models().at(size_t(GetParam())); }
};

TEST_P(ZooSpec, MatchesModelsJson) {
  auto spec = spec_models();
  if (!spec) GTEST_SKIP() << "FAULTBENCH_DATA/../spec/models.json absent: covered by the digest test";
  ASSERT_EQ(spec->size(), zoo_models().size());
  const json& e = spec->at(size_t(GetParam()));
  const Graph g = build_model(info().model, info().dataset);
  expect_counts(g, info(), e);
  expect_same_lines(graph_entries(g, true), json_entries(e.at("parameters")), "parameters");
  expect_same_lines(graph_entries(g, false), json_entries(e.at("buffers")), "buffers");
  expect_same_lines(graph_layers(g), json_layers(e.at("conv_linear_layers")), "conv/linear layers");
}

TEST_P(ZooSpec, MatchesCommittedDigest) {
  const json digest = load_json(testing::source_dir() / "tests" / "zoo" / "zoo_expected.json");
  ASSERT_EQ(digest.size(), zoo_models().size());
  const json& e = digest.at(size_t(GetParam()));
  const Graph g = build_model(info().model, info().dataset);
  expect_counts(g, info(), e);
  EXPECT_EQ(int64_t(graph_entries(g, true).size()), e.at("num_parameters").get<int64_t>());
  EXPECT_EQ(int64_t(graph_entries(g, false).size()), e.at("num_buffers").get<int64_t>());
  EXPECT_EQ(fnv1a64(joined(graph_entries(g, true))), e.at("parameters_fnv1a64").get<std::string>());
  EXPECT_EQ(fnv1a64(joined(graph_entries(g, false))), e.at("buffers_fnv1a64").get<std::string>());
  EXPECT_EQ(fnv1a64(joined(graph_layers(g))), e.at("layers_fnv1a64").get<std::string>());
}

// The digest must describe the current models.json (regenerate with tools/zoo_digest.py).
TEST_P(ZooSpec, DigestIsUpToDate) {
  auto spec = spec_models();
  if (!spec) GTEST_SKIP() << "FAULTBENCH_DATA/../spec/models.json absent";
  const json digest = load_json(testing::source_dir() / "tests" / "zoo" / "zoo_expected.json");
  const json& s = spec->at(size_t(GetParam()));
  const json& d = digest.at(size_t(GetParam()));
  for (const char* key : {"dataset", "model", "fault_list", "input", "classes", "params_total", "conv_linear_weights",
                          "num_conv_linear_layers", "macs_per_image", "num_batchnorm", "batchnorm_eps_overrides"})
    EXPECT_EQ(s.at(key), d.at(key)) << key;
  EXPECT_EQ(fnv1a64(joined(json_entries(s.at("parameters")))), d.at("parameters_fnv1a64").get<std::string>());
  EXPECT_EQ(fnv1a64(joined(json_entries(s.at("buffers")))), d.at("buffers_fnv1a64").get<std::string>());
  EXPECT_EQ(fnv1a64(joined(json_layers(s.at("conv_linear_layers")))), d.at("layers_fnv1a64").get<std::string>());
}

// MODELS.md §1: fault-site order (named_parameters) equals forward execution order of the
// conv/linear nodes; every node's params are contiguous and owned by it.
TEST_P(ZooSpec, FaultSitesFollowForwardOrder) {
  const Graph g = build_model(info().model, info().dataset);
  std::vector<std::string> forward, sites;
  for (const Node& n : g.nodes)
    if (n.kind == OpKind::Conv2d || n.kind == OpKind::Linear) forward.push_back(n.name + ".weight");
  for (int i : g.fault_site_params()) sites.push_back(g.params[size_t(i)].name);
  EXPECT_EQ(forward, sites);
  std::set<std::string> names;
  for (const Param& p : g.params) {
    EXPECT_TRUE(names.insert(p.name).second) << "duplicate key " << p.name;
    ASSERT_GE(p.node, 0);
    EXPECT_EQ(p.name.rfind(g.nodes[size_t(p.node)].name + ".", 0), 0u) << p.name;
    if (p.role != ParamRole::NumBatchesTracked) EXPECT_EQ(p.value.shape, p.shape) << p.name;
  }
}

INSTANTIATE_TEST_SUITE_P(All, ZooSpec, ::testing::Range(0, 19), [](const ::testing::TestParamInfo<int>& i) {
  const ModelInfo& m = zoo_models().at(size_t(i.param));
  return m.dataset + "_" + m.model;
});

TEST(ZooRegistry, NamesOfIssue2) {
  std::vector<std::string> got;
  for (const ModelInfo& m : zoo_models()) got.push_back(m.dataset + "/" + m.model);
  const std::vector<std::string> want = {
      "cifar10/resnet20",    "cifar10/resnet32",    "cifar10/resnet44",  "cifar10/resnet56",  "cifar10/resnet110",
      "cifar10/mobilenetv2", "cifar10/vgg11_bn",    "cifar10/vgg13_bn",  "cifar10/vgg16_bn",  "cifar10/vgg19_bn",
      "cifar10/densenet121", "cifar10/densenet161", "cifar10/googlenet", "cifar100/resnet18", "cifar100/densenet121",
      "cifar100/googlenet",  "gtsrb/resnet20",      "gtsrb/densenet121", "gtsrb/vgg11_bn"};
  EXPECT_EQ(got, want);
}

TEST(ZooRegistry, UnknownNamesListTheChoices) {
  try {
    build_model("resnet18", "cifar10");
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'resnet18'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("resnet20, resnet32"), std::string::npos) << msg;
    EXPECT_NE(msg.find("googlenet"), std::string::npos) << msg;
  }
  try {
    build_model("resnet20", "imagenet");
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("cifar10, cifar100, gtsrb"), std::string::npos) << e.what();
  }
  EXPECT_THROW(find_model("ResNet20", "cifar10"), UsageError);  // names are case-sensitive
  EXPECT_EQ(find_model("vgg11_bn", "gtsrb").classes, 43);
}

}  // namespace
}  // namespace faultbench
