// The executor's side of the ONNX operators: shape rules and kernel calls (executor_onnx_ops.h).
#include "executor_onnx_ops.h"

#include <algorithm>

#include "faultbench/error.h"
#include "faultbench/ops/binary.h"
#include "faultbench/ops/movement.h"
#include "faultbench/ops/softmax.h"
#include "faultbench/ops/unary.h"

namespace faultbench::detail {

namespace {
ops::PadShape pad_shape(const ValueShape& in, const PadAttrs& a, int batch) {
  return {batch, in.c, in.h, in.w, a.c0, a.c1, a.h0, a.h1, a.w0, a.w1, a.value};
}
ops::SliceShape slice_shape(const ValueShape& in, const SliceAttrs& a, int batch) {
  return {batch,
          in.c,
          in.h,
          in.w,
          {a.c.start, a.c.end, a.c.step},
          {a.h.start, a.h.end, a.h.step},
          {a.w.start, a.w.end, a.w.step}};
}
ops::BroadcastOperand operand(const ValueShape& v, bool batched) { return {v.c, v.h, v.w, batched}; }
}  // namespace

ops::BinaryShape binary_shape(const Graph& g, const Node& n, int batch) {
  const auto& a = std::get<BinaryAttrs>(n.attrs);
  const ValueShape& out = g.values[size_t(n.output)];
  ops::BinaryShape s{batch, out.c, out.h, out.w, {}, {}};
  const ops::BroadcastOperand x = operand(g.values[size_t(n.inputs.at(0))], true);
  if (n.inputs.size() == 2) {
    s.a = x;
    s.b = operand(g.values[size_t(n.inputs[1])], true);
  } else {
    const ops::BroadcastOperand k = operand(a.constant, false);
    s.a = a.constant_first ? k : x;
    s.b = a.constant_first ? x : k;
  }
  return s;
}

void check_onnx_node(const Graph& g, const Node& n, const std::function<void(const std::string&)>& fail) {
  const ValueShape out = g.values[size_t(n.output)];
  auto in = [&](size_t k) { return g.values[size_t(n.inputs.at(k))]; };
  auto expect_inputs = [&](size_t count) {
    if (n.inputs.size() != count)
      fail("expects " + std::to_string(count) + " inputs, has " + std::to_string(n.inputs.size()));
  };
  auto same_shape = [&] {
    if (!(in(0) == out)) fail("output shape differs from input shape");
  };
  auto expect_out = [&](const ValueShape& want) {
    if (out != want)
      fail("output shape [" + std::to_string(out.c) + ", " + std::to_string(out.h) + ", " + std::to_string(out.w) +
           "] differs from the operator's [" + std::to_string(want.c) + ", " + std::to_string(want.h) + ", " +
           std::to_string(want.w) + "]");
  };
  switch (n.kind) {
    case OpKind::Unary:
      expect_inputs(1);
      same_shape();
      ops::validate_unary(std::get<UnaryAttrs>(n.attrs));
      break;
    case OpKind::Binary: {
      const auto& a = std::get<BinaryAttrs>(n.attrs);
      if (n.inputs.size() == 1) {
        if (n.params.size() != 1) fail("a binary node with one input needs one constant parameter");
        const Param& p = g.params.at(size_t(n.params[0]));
        if (p.value.size() != a.constant.numel() || a.constant.numel() <= 0)
          fail("constant '" + p.name + "' holds " + std::to_string(p.value.size()) + " values, its view needs " +
               std::to_string(a.constant.numel()));
      } else {
        expect_inputs(2);
        if (!n.params.empty()) fail("a binary node of two values takes no parameter");
      }
      const ops::BinaryShape s = binary_shape(g, n, 1);
      ops::validate_binary(a.fn, s);
      // The output is exactly the broadcast of the operands: no axis of size 1 on both.
      const int oc = std::max(s.a.c, s.b.c), oh = std::max(s.a.h, s.b.h), ow = std::max(s.a.w, s.b.w);
      expect_out({oc, oh, ow});
      break;
    }
    case OpKind::Pad: {
      expect_inputs(1);
      const ops::PadShape s = pad_shape(in(0), std::get<PadAttrs>(n.attrs), 1);
      ops::validate_pad(s);
      expect_out({s.out_c(), s.out_h(), s.out_w()});
      break;
    }
    case OpKind::Slice: {
      expect_inputs(1);
      const ops::SliceShape s = slice_shape(in(0), std::get<SliceAttrs>(n.attrs), 1);
      ops::validate_slice(s);
      expect_out({s.rc.size(), s.rh.size(), s.rw.size()});
      break;
    }
    case OpKind::Resize: {
      expect_inputs(1);
      const auto& a = std::get<ResizeAttrs>(n.attrs);
      ops::validate_resize({1, in(0).c, in(0).h, in(0).w, a.scale_h, a.scale_w});
      expect_out({in(0).c, in(0).h * a.scale_h, in(0).w * a.scale_w});
      break;
    }
    case OpKind::Transpose: {
      expect_inputs(1);
      const ops::TransposeShape s{1, in(0).c, in(0).h, in(0).w, std::get<TransposeAttrs>(n.attrs).perm};
      ops::validate_transpose(s);
      const auto o = s.out();
      expect_out({o[0], o[1], o[2]});
      break;
    }
    case OpKind::Softmax:
      expect_inputs(1);
      same_shape();
      if (out.h != 1 || out.w != 1) fail("softmax runs over the channels of a [C, 1, 1] value only");
      break;
    default: fail("unknown operator kind " + std::to_string(int(n.kind)));
  }
}

void run_onnx_node(const Graph& g, const Node& n, const std::vector<const float*>& inputs, float* output, int batch,
                   ThreadPool* pool, bool reference) {
  const ValueShape& in = g.values[size_t(n.inputs.at(0))];
  const ValueShape& out = g.values[size_t(n.output)];
  const float* x = inputs[0];
  switch (n.kind) {
    case OpKind::Unary: {
      const auto& a = std::get<UnaryAttrs>(n.attrs);
      const int64_t count = int64_t(batch) * out.numel();
      reference ? ops::unary_reference(a, count, x, output) : ops::unary_optimized(a, count, x, output, pool);
      break;
    }
    case OpKind::Binary: {
      const auto& a = std::get<BinaryAttrs>(n.attrs);
      const ops::BinaryShape s = binary_shape(g, n, batch);
      const float* first = x;
      const float* second = inputs.size() > 1 ? inputs[1] : nullptr;
      if (n.inputs.size() == 1) {  // the constant
        const float* k = g.params[size_t(n.params.at(0))].value.ptr();
        first = a.constant_first ? k : x;
        second = a.constant_first ? x : k;
      }
      reference ? ops::binary_reference(a.fn, s, first, second, output)
                : ops::binary_optimized(a.fn, s, first, second, output, pool);
      break;
    }
    case OpKind::Pad: {
      const ops::PadShape s = pad_shape(in, std::get<PadAttrs>(n.attrs), batch);
      reference ? ops::pad_reference(s, x, output) : ops::pad_optimized(s, x, output, pool);
      break;
    }
    case OpKind::Slice: {
      const ops::SliceShape s = slice_shape(in, std::get<SliceAttrs>(n.attrs), batch);
      reference ? ops::slice_reference(s, x, output) : ops::slice_optimized(s, x, output, pool);
      break;
    }
    case OpKind::Resize: {
      const auto& a = std::get<ResizeAttrs>(n.attrs);
      const ops::ResizeShape s{batch, in.c, in.h, in.w, a.scale_h, a.scale_w};
      reference ? ops::resize_reference(s, x, output) : ops::resize_optimized(s, x, output, pool);
      break;
    }
    case OpKind::Transpose: {
      const ops::TransposeShape s{batch, in.c, in.h, in.w, std::get<TransposeAttrs>(n.attrs).perm};
      reference ? ops::transpose_reference(s, x, output) : ops::transpose_optimized(s, x, output, pool);
      break;
    }
    case OpKind::Softmax: {
      const ops::SoftmaxShape s{batch, out.c};
      reference ? ops::softmax_reference(s, x, output) : ops::softmax_optimized(s, x, output, pool);
      break;
    }
    default:
      throw UsageError(std::string("executor: ") + op_kind_name(n.kind) + " is not an operator of imported graphs");
  }
}

}  // namespace faultbench::detail
