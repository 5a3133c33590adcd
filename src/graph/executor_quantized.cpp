// The executor's OpKind::Quantized nodes (executor_quantized.h).
#include "executor_quantized.h"

#include <bit>
#include <string>
#include <variant>

#include "faultbench/error.h"
#include "faultbench/ops/qelementwise.h"

namespace faultbench::detail {

namespace {
int8_t code_of(float v) { return int8_t(int32_t(v)); }  // the parameter holds int8 integers
// The kernels' [out, in] index of element `offset` of the parameter (an ONNX MatMul's
// weight is stored [in, out]: its faults flip the stored element, wherever it lands).
int64_t kernel_index(const QuantizedAttrs& a, int64_t offset) {
  if (!a.weight_kn) return offset;
  const int64_t out = a.conv.out_channels, in = a.conv.in_channels;
  return (offset % out) * in + offset / out;
}
}  // namespace

ops::Conv2dShape qconv_shape(const Graph& g, const Node& n, int batch) {
  const auto& a = std::get<QuantizedAttrs>(n.attrs);
  const ValueShape& in = g.values.at(size_t(n.inputs.at(0)));
  const ValueShape& out = g.values.at(size_t(n.output));
  if (a.linear) return ops::conv2d_shape(batch, a.conv.in_channels, 1, 1, a.conv.out_channels, 1, 1, Window2d{}, 1);
  return ops::conv2d_shape(batch, in.c, in.h, in.w, out.c, out.h, out.w, a.conv.window, a.conv.groups);
}

void quantized_prepare(const Graph& g, const Node& n, QuantizedPrep& prep, bool optimized) {
  if (std::get<QuantizedAttrs>(n.attrs).op != QuantOp::Conv) return;
  const Tensor& w = g.params.at(size_t(n.params.at(0))).value;
  const auto& a = std::get<QuantizedAttrs>(n.attrs);
  prep.codes.resize(size_t(w.size()));
  for (int64_t i = 0; i < w.size(); ++i) prep.codes[size_t(kernel_index(a, i))] = code_of(w.data[size_t(i)]);
  if (optimized) prep.pack = ops::qconv_pack(qconv_shape(g, n, 1), prep.codes.data());
  prep.bias.clear();
  if (n.params.size() > 1)
    for (float v : g.params.at(size_t(n.params[1])).value.data) prep.bias.push_back(std::bit_cast<int32_t>(v));
}

void quantized_set(const Graph& g, const Node& n, QuantizedPrep& prep, int param, int64_t offset, bool optimized) {
  if (n.params.size() > 1 && param == n.params[1]) {
    prep.bias.at(size_t(offset)) = std::bit_cast<int32_t>(g.params.at(size_t(param)).value.data.at(size_t(offset)));
    return;
  }
  const int8_t c = code_of(g.params.at(size_t(n.params.at(0))).value.data.at(size_t(offset)));
  const int64_t k = kernel_index(std::get<QuantizedAttrs>(n.attrs), offset);
  prep.codes.at(size_t(k)) = c;
  if (optimized) ops::qconv_pack_set(prep.pack, k, c);
}

void check_quantized_node(const Graph& g, const Node& n, const std::function<void(const std::string&)>& fail) {
  const auto& a = std::get<QuantizedAttrs>(n.attrs);
  const ValueShape& out = g.values.at(size_t(n.output));
  const size_t inputs = a.op == QuantOp::Add ? 2 : a.op == QuantOp::Concat ? n.inputs.size() : 1;
  if (n.inputs.size() != inputs || a.in_scale.size() != inputs || inputs == 0)
    fail("wrong number of inputs or input scales");
  const ValueShape& in = g.values.at(size_t(n.inputs[0]));
  switch (a.op) {
    case QuantOp::Quantize:
      if (!(in == out) || !(a.out_scale > 0)) fail("quantize: shapes differ or the scale is not positive");
      break;
    case QuantOp::Conv: {
      const int co = a.conv.out_channels;
      if (n.params.empty() || n.params.size() > 2 || a.multiplier.size() != size_t(co) ||
          (n.params.size() == 2 && g.params.at(size_t(n.params[1])).value.size() != co))
        fail("conv: one weight parameter and one multiplier (and bias) per output channel");
      if (g.params.at(size_t(n.params[0])).value.size() !=
          int64_t(co) * (a.conv.in_channels / a.conv.groups) * a.conv.window.kernel_h * a.conv.window.kernel_w)
        fail("conv: the weight has the wrong size");
      if (a.linear && (in.numel() != a.conv.in_channels || out != ValueShape{co, 1, 1}))
        fail("linear: in/out features differ from the value shapes");
      ops::validate_conv2d(qconv_shape(g, n, 1));
      break;
    }
    case QuantOp::Add:
      if (!(g.values.at(size_t(n.inputs[1])) == out) || !(in == out) || a.multiplier.size() != 2)
        fail("add: shapes differ or two multipliers missing");
      break;
    case QuantOp::AvgPool:
      if (a.multiplier.size() != 1 || in.c != out.c) fail("avg pool: one multiplier, equal channels");
      break;
    case QuantOp::Concat: {
      int channels = 0;
      for (int v : n.inputs) {
        const ValueShape& s = g.values.at(size_t(v));
        if (s.h != out.h || s.w != out.w) fail("concat: the inputs' maps differ from the output's");
        channels += s.c;
      }
      if (channels != out.c || a.multiplier.size() != n.inputs.size())
        fail("concat: the channels do not add up, or one multiplier per input missing");
      break;
    }
    case QuantOp::Affine:
      if (!(in == out) || a.multiplier.size() != size_t(out.c) || a.offset.size() != size_t(out.c))
        fail("affine: shapes differ, or a multiplier and an offset per channel missing");
      break;
  }
}

namespace {
// A one-output-channel conv over the input channels of one group.
ops::Conv2dShape channel_shape(const Graph& g, const Node& n, int batch) {
  ops::Conv2dShape one = qconv_shape(g, n, batch);
  one.in_c /= one.groups;
  one.out_c = 1;
  one.groups = 1;
  return one;
}
}  // namespace

// The fp32 kernels sum integers exactly while every partial sum stays below 2^24
// (ChannelWeights::int8_fp32_sums): products of at most 2^14, at most 1,024 of them.
constexpr int64_t kExactFp32Products = (int64_t(1) << 24) / (128 * 128);

void quantized_channel_prepare(const Graph& g, const Node& n, const float* weights, bool optimized,
                               ChannelWeights& cw) {
  const ops::Conv2dShape one = channel_shape(g, n, 1);
  const Window2d w = one.window();
  const int64_t k = int64_t(one.in_c) * w.kernel_h * w.kernel_w;
  cw.codes.resize(size_t(k));
  for (size_t i = 0; i < cw.codes.size(); ++i) cw.codes[i] = code_of(weights[i]);
  if (!optimized) return;
  cw.int8_fp32_sums = k <= kExactFp32Products;
  if (cw.int8_fp32_sums) {
    cw.weights.resize(size_t(k));
    for (size_t i = 0; i < cw.codes.size(); ++i) cw.weights[i] = float(cw.codes[i]);
    cw.conv = ops::conv2d_pack(one, cw.weights.data());
  } else {
    cw.qconv = ops::qconv_pack(one, cw.codes.data());
  }
}

void run_quantized_channel(const Graph& g, const Node& n, const ChannelWeights& cw, const float* x, float* output,
                           int batch, bool reference) {
  const auto& a = std::get<QuantizedAttrs>(n.attrs);
  const int co = cw.channel;
  const ops::Conv2dShape full = qconv_shape(g, n, 1), one = channel_shape(g, n, 1);
  const int64_t in_plane = int64_t(full.in_h) * full.in_w, plane = int64_t(full.out_h) * full.out_w;
  const int64_t group_first = int64_t(co / (full.out_c / full.groups)) * one.in_c;
  // Channel co's bias (the int32 bias parameter's word, when the layer has one) and
  // multiplier as channel 0 of a one-channel layer.
  int32_t bias = 0;
  if (n.params.size() > 1) bias = std::bit_cast<int32_t>(g.params.at(size_t(n.params[1])).value.data.at(size_t(co)));
  const ops::QRequant r{n.params.size() > 1 ? &bias : nullptr, a.multiplier.data() + co, a.relu, a.out_scale == 0.0f};
  thread_local std::vector<float> sums;
  sums.resize(size_t(plane));
  for (int i = 0; i < batch; ++i) {
    const float* xi = x + (int64_t(i) * full.in_c + group_first) * in_plane;
    float* y = output + (int64_t(i) * full.out_c + co) * plane;
    if (reference) {
      ops::qconv_reference(one, xi, cw.codes.data(), r, y);
    } else if (cw.int8_fp32_sums) {
      ops::conv2d_optimized(one, xi, cw.conv, nullptr, sums.data(), nullptr);
      for (int64_t p = 0; p < plane; ++p) y[p] = ops::qrequant_one(r, 0, int32_t(sums[size_t(p)]));
    } else {
      ops::qconv_optimized(one, xi, cw.qconv, r, y, nullptr, a.x_unsigned);
    }
  }
}

bool quantized_skips_positions(const Graph& g, const Node& n) {
  if (n.kind != OpKind::Quantized) return false;
  const auto& a = std::get<QuantizedAttrs>(n.attrs);
  return a.op == QuantOp::Conv && !a.linear && g.values[size_t(n.output)].h * g.values[size_t(n.output)].w > 1;
}

void run_quantized_node(const Graph& g, const Node& n, const QuantizedPrep& prep,
                        const std::vector<const float*>& inputs, float* output, int batch, ThreadPool* pool,
                        bool reference, const uint64_t* needed, const float* const* fill) {
  const auto& a = std::get<QuantizedAttrs>(n.attrs);
  const ValueShape& out = g.values[size_t(n.output)];
  const int64_t count = int64_t(batch) * out.numel();
  switch (a.op) {
    case QuantOp::Quantize:
      ops::quantize_linear(count, inputs[0], a.out_scale, output, reference ? nullptr : pool);
      break;
    case QuantOp::Conv: {
      const ops::QRequant r{prep.bias.empty() ? nullptr : prep.bias.data(), a.multiplier.data(), a.relu,
                            a.out_scale == 0.0f};
      const ops::Conv2dShape s = qconv_shape(g, n, batch);
      if (reference)
        ops::qconv_reference(s, inputs[0], prep.codes.data(), r, output);
      else
        ops::qconv_optimized(s, inputs[0], prep.pack, r, output, pool, a.x_unsigned, needed, fill);
      break;
    }
    case QuantOp::Add:
      ops::qadd(count, inputs[0], inputs[1], a.multiplier[0], a.multiplier[1], a.relu, output,
                reference ? nullptr : pool);
      break;
    case QuantOp::AvgPool: {
      const ValueShape& in = g.values[size_t(n.inputs[0])];
      ops::QPoolShape s{batch, in.c, in.h, in.w, out.h, out.w, in.h, in.w, 1, 1};
      if (!a.global) {
        s.kernel_h = a.pool.window.kernel_h, s.kernel_w = a.pool.window.kernel_w;
        s.stride_h = a.pool.window.stride_h, s.stride_w = a.pool.window.stride_w;
      }
      ops::qavg_pool(s, inputs[0], a.multiplier[0], output, reference ? nullptr : pool);
      break;
    }
    case QuantOp::Concat: {  // per image, each input's channels in input order
      const int64_t hw = int64_t(out.h) * out.w;
      for (int b = 0; b < batch; ++b) {
        int64_t at = int64_t(b) * out.c * hw;
        for (size_t k = 0; k < n.inputs.size(); ++k) {
          const int64_t size = int64_t(g.values[size_t(n.inputs[k])].c) * hw;
          ops::qrescale(size, inputs[k] + b * size, a.multiplier[k], output + at);
          at += size;
        }
      }
      break;
    }
    case QuantOp::Affine:
      ops::qaffine(int64_t(batch) * out.c, out.c, int64_t(out.h) * out.w, inputs[0], a.multiplier.data(),
                   a.offset.data(), a.relu, output, reference ? nullptr : pool);
      break;
  }
}

}  // namespace faultbench::detail
