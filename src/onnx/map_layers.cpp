// Mapping the ops with parameters or spatial windows: Conv, BatchNormalization, MaxPool,
// AveragePool, Gemm. Their constant inputs become Graph parameters, in graph order, named as
// the initializers are.
#include <cmath>

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include "faultbench/ops/pool.h"
#include "importer.h"
#include "window.h"

namespace faultbench::onnx_import {

namespace {

const Dynamic& image_input(const NodeRef& n, const std::vector<const Binding*>& in) {
  if (in.empty() || in[0] == nullptr) n.fail("input 0 is missing");
  if (in[0]->is_constant()) n.fail("a constant input 0 is not supported (activations are)");
  if (in[0]->dynamic.rank != 4)
    n.fail(fmt::format("a {}-D input is not supported (4-D [N, C, H, W] is)", in[0]->dynamic.rank));
  return in[0]->dynamic;
}

std::string layer_of(const std::string& param, const NodeRef& n) {
  static const std::string suffix = ".weight";
  if (param.size() > suffix.size() && param.ends_with(suffix)) return param.substr(0, param.size() - suffix.size());
  return n.name().empty() ? param : n.name();
}

Window2d to_window2d(const Window& w) { return Window2d{w.kh, w.kw, w.sh, w.sw, w.dh, w.dw, w.pt, w.pl, w.pb, w.pr}; }

}  // namespace

void Importer::map_conv(const NodeRef& n, const std::vector<const Binding*>& in) {
  n.only_attributes({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
  const Dynamic& d = image_input(n, in);
  const int x = materialize(n, *in[0]);
  const ValueShape s = graph_.values[size_t(x)];
  if (in.size() < 2 || !in[1] || !in[1]->is_constant())
    n.fail("a weight computed from the image is not supported (a constant is)");
  const Shape& wd = in[1]->constant->dims;
  if (wd.size() != 4)
    n.fail(fmt::format("weight shape {} is not supported (a 2-D convolution's [M, C/group, kH, kW] is)",
                       shape_to_string(wd)));
  const int64_t group = n.get_int("group", 1);
  if (group < 1 || group > s.c || s.c % group != 0 || wd[0] % group != 0 || wd[1] * group != s.c)
    n.fail(fmt::format("group {} does not fit input channels {} and weight {}", group, s.c, shape_to_string(wd)));
  if (wd[2] < 1 || wd[3] < 1 || wd[2] > 4096 || wd[3] > 4096) n.fail("kernel size out of range 1..4096");
  const Window w = read_window(n, s.h, s.w, int(wd[2]), int(wd[3]), true);
  Conv2dAttrs a;
  a.in_channels = s.c;
  a.out_channels = int(wd[0]);
  a.groups = int(group);
  a.window = to_window2d(w);
  a.bias = in.size() > 2 && in[2] != nullptr;
  const ValueShape out{a.out_channels, window_output_size(s.h, w.kh, w.sh, w.dh, w.pt, w.pb, false),
                       window_output_size(s.w, w.kw, w.sw, w.dw, w.pl, w.pr, false)};
  const int v = add_node(n, OpKind::Conv2d, layer_of(n.node.input(1), n), {x}, out, a);
  add_param(n, 1, in[1], ParamRole::Weight, wd);
  if (a.bias) add_param(n, 2, in[2], ParamRole::Bias, {wd[0]});
  bind_dynamic(n, v, d.rank);
}

void Importer::map_batch_norm(const NodeRef& n, const std::vector<const Binding*>& in) {
  n.only_attributes({"epsilon", "is_test", "momentum", "spatial", "training_mode"});
  if (n.get_int("training_mode", 0) != 0) n.unsupported_attribute("training_mode", "1", "0 (inference)");
  // Before opset 7, is_test = 0 (the default) meant training: batch statistics.
  if (opset_ < 7 && n.get_int("is_test", 0) != 1)
    n.unsupported_attribute("is_test", std::to_string(n.get_int("is_test", 0)), "1 (inference)");
  if (n.get_int("spatial", 1) != 1) n.unsupported_attribute("spatial", "0", "1");
  if (n.node.output_size() > 1)
    for (int k = 1; k < n.node.output_size(); ++k)
      if (!n.node.output(k).empty()) n.fail("the training outputs (running mean/var) are not supported");
  const Dynamic& d = image_input(n, in);
  const int x = materialize(n, *in[0]);
  const ValueShape s = graph_.values[size_t(x)];
  if (in.size() != 5) n.fail("needs five inputs (X, scale, B, mean, var)");
  const float eps = n.get_float("epsilon", 1e-5f);
  if (!(eps >= 0.0f) || !std::isfinite(eps)) n.fail("epsilon must be a finite number >= 0");
  const std::string& scale = n.node.input(1);
  const int v = add_node(n, OpKind::BatchNorm2d, layer_of(scale, n), {x}, s, BatchNormAttrs{s.c, double(eps)});
  const Shape c{s.c};
  add_param(n, 1, in[1], ParamRole::Weight, c);
  add_param(n, 2, in[2], ParamRole::Bias, c);
  add_param(n, 3, in[3], ParamRole::RunningMean, c);
  add_param(n, 4, in[4], ParamRole::RunningVar, c);
  // PyTorch's state_dict has num_batches_tracked after the running stats: with it, the
  // parameter list is the state_dict, as the zoo's, and a checkpoint loads strictly.
  if (scale.ends_with(".weight") && scale.size() > 7) {
    Param p;
    p.name = scale.substr(0, scale.size() - 7) + ".num_batches_tracked";
    p.role = ParamRole::NumBatchesTracked;
    p.node = int(graph_.nodes.size()) - 1;
    graph_.params.push_back(std::move(p));
    graph_.nodes.back().params.push_back(int(graph_.params.size()) - 1);
  }
  bind_dynamic(n, v, d.rank);
}

void Importer::map_pool(const NodeRef& n, const std::vector<const Binding*>& in) {
  const bool max = n.op() == "MaxPool";
  if (max)
    n.only_attributes({"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
  else
    n.only_attributes({"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
  if (n.node.output_size() > 1 && !n.node.output(1).empty()) n.fail("the Indices output is not supported");
  if (n.get_int("storage_order", 0) != 0) n.unsupported_attribute("storage_order", "1", "0");
  const Dynamic& d = image_input(n, in);
  const int x = materialize(n, *in[0]);
  const ValueShape s = graph_.values[size_t(x)];
  // AveragePool has no dilations attribute; MaxPool's dilate the window.
  const Window w = read_window(n, s.h, s.w, 0, 0, max);
  const bool ceil = n.get_int("ceil_mode", 0) != 0;
  PoolAttrs a;
  a.window = to_window2d(w);
  a.ceil_mode = ceil;
  a.count_include_pad = n.get_int("count_include_pad", 0) != 0;  // ONNX's default: 0
  // A window that lies wholly in the padding has no input cell: PyTorch refuses such
  // padding (more than half the kernel), and so do we rather than invent its value.
  if (w.pt * 2 > w.kh || w.pb * 2 > w.kh || w.pl * 2 > w.kw || w.pr * 2 > w.kw)
    n.fail(fmt::format("pads [{}, {}, {}, {}] of a {}x{} kernel (more than half of it) are not supported", w.pt, w.pl,
                       w.pb, w.pr, w.kh, w.kw));
  const ValueShape out{s.c, window_output_size(s.h, w.kh, w.sh, w.dh, w.pt, w.pb, ceil),
                       window_output_size(s.w, w.kw, w.sw, w.dw, w.pl, w.pr, ceil)};
  bind_dynamic(n, add_node(n, max ? OpKind::MaxPool2d : OpKind::AvgPool2d, "", {x}, out, a), d.rank);
}

void Importer::map_gemm(const NodeRef& n, const std::vector<const Binding*>& in) {
  n.only_attributes({"alpha", "beta", "broadcast", "transA", "transB"});  // broadcast: opset 6's bias rule
  if (in.empty() || !in[0] || in[0]->is_constant()) n.fail("a constant input A is not supported (activations are)");
  const Dynamic& d = in[0]->dynamic;
  const int x = materialize(n, *in[0]);
  const ValueShape s = graph_.values[size_t(x)];
  if (d.rank != 2) n.fail(fmt::format("a {}-D input A is not supported (2-D [N, K] is: Flatten first)", d.rank));
  if (n.get_int("transA", 0) != 0) n.unsupported_attribute("transA", "1", "0");
  const bool transposed = n.get_int("transB", 0) == 0;  // B stored [K, M]
  const float alpha = n.get_float("alpha", 1.0f), beta = n.get_float("beta", 1.0f);
  if (!std::isfinite(alpha) || !std::isfinite(beta)) n.fail("alpha and beta must be finite");
  if (!in[1] || !in[1]->is_constant()) n.fail("a weight B computed from the image is not supported (a constant is)");
  const Shape& wd = in[1]->constant->dims;
  const int64_t k = transposed ? (wd.size() == 2 ? wd[0] : 0) : (wd.size() == 2 ? wd[1] : 0);
  const int64_t m = transposed ? (wd.size() == 2 ? wd[1] : 0) : (wd.size() == 2 ? wd[0] : 0);
  if (wd.size() != 2 || k != s.numel() || m < 1 || m > (int64_t(1) << 24))
    n.fail(fmt::format("weight B {} does not fit input A [N, {}]", shape_to_string(wd), s.numel()));
  LinearAttrs a;
  a.in_features = int(s.numel());
  a.out_features = int(m);
  a.weight_transposed = transposed;
  a.alpha = alpha;
  a.beta = beta;
  a.bias = in.size() > 2 && in[2] != nullptr;
  const int v = add_node(n, OpKind::Linear, layer_of(n.node.input(1), n), {x}, ValueShape{a.out_features, 1, 1}, a);
  add_param(n, 1, in[1], ParamRole::Weight, wd);
  // C broadcasts over the batch: [M] (what exporters write) is the bias as nn.Linear keeps it.
  if (a.bias) add_param(n, 2, in[2], ParamRole::Bias, {m});
  bind_dynamic(n, v, 2);
}

}  // namespace faultbench::onnx_import
