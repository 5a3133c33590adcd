#!/usr/bin/python3
"""Quantized ONNX test models (docs/NUMERICS.md, "scales from a quantized ONNX model").

Debian has no onnxruntime, so the quantization is done here in NumPy, as onnxruntime's
quantize_static does it with symmetric int8 (QuantType.QInt8 for activations and weights,
ActivationSymmetric and WeightSymmetric: zero points 0), and the models are written with
python3-onnx's helper API. One small random CNN (input [N, 3, 16, 16], 10 classes):

    conv1 3->8 3x3 pad 1 (bias, per-tensor weight scale) -> Relu -> MaxPool 2x2
    conv2 8->16 3x3 pad 1 stride 1 (bias, per-channel weight scales) -> Relu -> MaxPool 2x2
    Flatten -> fc 256->10 (MatMul, weight [K, N], per-column scales; or Gemm transB=1 + bias)

in three files:
  qdq.onnx      the QDQ format: QuantizeLinear/DequantizeLinear pairs around float Conv and
                MatMul, int8 weights and int32 biases behind DequantizeLinear (opset 13);
  qlinear.onnx  the operator format of the same model: QuantizeLinear at the input,
                QLinearConv, Relu and MaxPool on int8, QLinearMatMul, DequantizeLinear at the
                output (opset 14: Relu on int8);
  qdq_gemm.onnx the QDQ format with the last layer a Gemm (transB=1, int32 bias, per-channel);
  qdq_residual.onnx the QDQ format with a residual block after conv1: convb 8->8 (no Relu),
                then Add of the two dequantized branches, Relu and QuantizeLinear in fp32
                (as the ONNX graph says: DequantizeLinear, Add, Relu, QuantizeLinear).
The weight initializers are named conv1.weight, conv2.weight, fc.weight in every file.

`reference(name, images)` computes the logits with the ONNX operators' formulas in NumPy
(QuantizeLinear, QLinearConv, QLinearMatMul, DequantizeLinear: onnx/reference's
formulas, round half to even), the QDQ files read as the QLinear operators they stand for.

usage: qonnx_models.py --out DIR [--images 16] [--seed 0]
writes DIR/{qdq,qlinear,qdq_gemm}.onnx, DIR/data/{images,labels}.npy and
DIR/<name>.logits.npy (the reference logits, float32).
"""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

f32 = np.float32


def quantize(x, s):  # QuantizeLinear, y_zero_point 0 (int8)
    return np.clip(np.rint(x.astype(f32) / f32(s)), -128, 127).astype(np.int64)


def dequantize(q, s):  # DequantizeLinear, x_zero_point 0
    return (q.astype(f32) - f32(0)) * f32(s)


def conv_int(x, w, pad):  # sum over (ci, kh, kw) of x * w, exact integers
    n, c, h, wd = x.shape
    m, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = h + 2 * pad - kh + 1, wd + 2 * pad - kw + 1
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=np.int64)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i:i + oh, j:j + ow]
    return np.einsum("nckloh,mckl->nmoh", cols, w.astype(np.int64))


def requantize(acc, x_scale, w_scale, y_scale, axis_shape):
    # QLinearConv / QLinearMatMul: acc * (x_scale * w_scale / y_scale) with the multiplier in
    # float32 (numpy's float32 arrays), the product in float64 (int32 * float32), then round
    # half to even and saturate.
    m = (f32(x_scale) * np.asarray(w_scale, dtype=f32)) / f32(y_scale)
    r = acc.astype(np.float64) * m.astype(np.float64).reshape(axis_shape)
    return np.clip(np.rint(r), -128, 127).astype(np.int64)


def qlinear_conv(xq, xs, w, ws, ys, bias, pad):
    acc = conv_int(xq, w, pad)
    if bias is not None:
        acc = acc + bias.astype(np.int64).reshape(1, -1, 1, 1)
    return requantize(acc, xs, ws, ys, (1, -1, 1, 1))


def maxpool2(q):
    n, c, h, w = q.shape
    return q.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def forward(p, images, gemm):
    """The integer forward pass: per layer, the codes (and the float maxima for the scales)."""
    x = quantize(images, p["s0"])
    c1 = np.maximum(qlinear_conv(x, p["s0"], p["w1"], p["ws1"], p["s1"], p["b1"], 1), 0)
    c1 = maxpool2(c1)
    c2 = np.maximum(qlinear_conv(c1, p["s1"], p["w2"], p["ws2"], p["s2"], p["b2"], 1), 0)
    c2 = maxpool2(c2)
    f = c2.reshape(c2.shape[0], -1)
    if gemm:  # Gemm transB=1: weight [N, K], bias
        acc = f @ p["w3g"].astype(np.int64).T + p["b3g"].astype(np.int64)
        y = requantize(acc, p["s2"], p["ws3g"], p["s3g"], (1, -1))
        return dequantize(y, p["s3g"])
    acc = f @ p["w3"].astype(np.int64)  # QLinearMatMul: b [K, N], per-column scales
    y = requantize(acc, p["s2"], p["ws3"], p["s3"], (1, -1))
    return dequantize(y, p["s3"])


def residual(p, x):
    """conv1 and the residual block of qdq_residual: the codes before pool1 and their scale."""
    r1 = np.maximum(qlinear_conv(x, p["s0"], p["w1"], p["ws1"], p["s1"], p["b1"], 1), 0)
    cb = qlinear_conv(r1, p["s1"], p["wb"], p["wsb"], p["sb"], p["bb"], 1)
    total = dequantize(r1, p["s1"]) + dequantize(cb, p["sb"])  # fp32 Add
    return np.maximum(total, f32(0)), cb


def forward_residual(p, images):
    x = quantize(images, p["s0"])
    total, _ = residual(p, x)
    c1 = maxpool2(quantize(total, p["sa"]))
    c2 = maxpool2(np.maximum(qlinear_conv(c1, p["sa"], p["w2"], p["ws2"], p["s2r"], p["b2r"], 1), 0))
    acc = c2.reshape(c2.shape[0], -1) @ p["w3"].astype(np.int64)
    return dequantize(requantize(acc, p["s2r"], p["ws3"], p["s3r"], (1, -1)), p["s3r"])


def add_residual_params(p, images, rng):
    wb = rng.normal(0, 0.1, (8, 8, 3, 3)).astype(f32)
    bb = rng.normal(0, 0.05, 8).astype(f32)
    p["wsb"] = (np.abs(wb).reshape(8, -1).max(1) / f32(127)).astype(f32)
    p["wb"] = np.clip(np.rint(wb / p["wsb"].reshape(-1, 1, 1, 1)), -127, 127).astype(np.int8)
    p["bb"] = np.rint(bb / (p["s1"] * p["wsb"])).astype(np.int32)
    x = quantize(images, p["s0"])
    r1 = np.maximum(qlinear_conv(x, p["s0"], p["w1"], p["ws1"], p["s1"], p["b1"], 1), 0)
    acc = conv_int(r1, p["wb"], 1) + p["bb"].reshape(1, -1, 1, 1)
    p["sb"] = f32(np.abs(acc * (p["s1"] * p["wsb"]).reshape(1, -1, 1, 1)).max() / f32(127))
    total, _ = residual(p, x)
    p["sa"] = f32(total.max() / f32(127))
    c1 = maxpool2(quantize(total, p["sa"]))
    p["b2r"] = np.rint(p["b2f"] / (p["sa"] * p["ws2"])).astype(np.int32)
    acc = conv_int(c1, p["w2"], 1) + p["b2r"].reshape(1, -1, 1, 1)
    p["s2r"] = f32(np.maximum(acc * (p["sa"] * p["ws2"]).reshape(1, -1, 1, 1), 0).max() / f32(127))
    c2 = maxpool2(np.maximum(qlinear_conv(c1, p["sa"], p["w2"], p["ws2"], p["s2r"], p["b2r"], 1), 0))
    acc = c2.reshape(c2.shape[0], -1) @ p["w3"].astype(np.int64)
    p["s3r"] = f32(np.abs(acc * (p["s2r"] * p["ws3"])).max() / f32(127))


def make_params(images, seed):
    """Random float weights, quantized symmetric int8; activation scales from the images."""
    rng = np.random.default_rng(seed)
    w1 = rng.normal(0, 0.3, (8, 3, 3, 3)).astype(f32)
    b1 = rng.normal(0, 0.1, 8).astype(f32)
    w2 = rng.normal(0, 0.15, (16, 8, 3, 3)).astype(f32) * rng.uniform(0.2, 2, (16, 1, 1, 1)).astype(f32)
    b2 = rng.normal(0, 0.1, 16).astype(f32)
    w3 = rng.normal(0, 0.1, (256, 10)).astype(f32)
    b3 = rng.normal(0, 0.1, 10).astype(f32)
    p = {}
    p["s0"] = f32(np.abs(images).max() / f32(127))
    p["ws1"] = f32(np.abs(w1).max() / f32(127))  # per tensor
    p["w1"] = np.clip(np.rint(w1 / p["ws1"]), -127, 127).astype(np.int8)
    p["ws2"] = (np.abs(w2).reshape(16, -1).max(1) / f32(127)).astype(f32)  # per output channel
    p["w2"] = np.clip(np.rint(w2 / p["ws2"].reshape(-1, 1, 1, 1)), -127, 127).astype(np.int8)
    p["ws3"] = (np.abs(w3).max(0) / f32(127)).astype(f32)  # per column of [K, N]
    p["w3"] = np.clip(np.rint(w3 / p["ws3"]), -127, 127).astype(np.int8)
    p["ws3g"] = p["ws3"].copy()
    p["w3g"] = np.ascontiguousarray(p["w3"].T)
    # int32 biases with scale x_scale * w_scale (float32), as quantize_static writes them.
    x = quantize(images, p["s0"])
    p["b1"] = np.rint(b1 / (p["s0"] * p["ws1"])).astype(np.int32)
    acc = conv_int(x, p["w1"], 1) + p["b1"].reshape(1, -1, 1, 1)
    p["s1"] = f32(np.maximum(acc * (p["s0"] * p["ws1"]), 0).max() / f32(127))
    c1 = maxpool2(np.maximum(qlinear_conv(x, p["s0"], p["w1"], p["ws1"], p["s1"], p["b1"], 1), 0))
    p["b2"] = np.rint(b2 / (p["s1"] * p["ws2"])).astype(np.int32)
    acc = conv_int(c1, p["w2"], 1) + p["b2"].reshape(1, -1, 1, 1)
    p["s2"] = f32(np.maximum(acc * (p["s1"] * p["ws2"]).reshape(1, -1, 1, 1), 0).max() / f32(127))
    c2 = maxpool2(np.maximum(qlinear_conv(c1, p["s1"], p["w2"], p["ws2"], p["s2"], p["b2"], 1), 0))
    f = c2.reshape(c2.shape[0], -1)
    acc = f @ p["w3"].astype(np.int64)
    p["s3"] = f32(np.abs(acc * (p["s2"] * p["ws3"])).max() / f32(127))
    p["b3g"] = np.rint(b3 / (p["s2"] * p["ws3g"])).astype(np.int32)
    acc = f @ p["w3g"].astype(np.int64).T + p["b3g"]
    p["s3g"] = f32(np.abs(acc * (p["s2"] * p["ws3g"])).max() / f32(127))
    p["b2f"] = b2
    add_residual_params(p, images, rng)
    return p


def init(name, value):
    return numpy_helper.from_array(np.asarray(value), name)


class Writer:
    def __init__(self):
        self.nodes, self.inits = [], []

    def const(self, name, value):
        self.inits.append(init(name, value))
        return name

    def node(self, op, ins, outs, name, **attrs):
        self.nodes.append(helper.make_node(op, ins, outs, name=name, **attrs))
        return outs[0]

    def q(self, x, s, tag):
        return self.node("QuantizeLinear", [x, self.const(tag + ".y_scale", f32(s)), self.const(tag + ".zp", np.int8(0))],
                         [tag + ".q"], "/" + tag + "/QuantizeLinear")

    def dq(self, x, s, tag, out=None):
        return self.node("DequantizeLinear", [x, self.const(tag + ".x_scale", f32(s)), self.const(tag + ".dzp", np.int8(0))],
                         [out or tag + ".dq"], "/" + tag + "/DequantizeLinear")

    def save(self, path, opset, n):
        x = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 16, 16])
        y = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])
        g = helper.make_graph(self.nodes, "qcnn", [x], [y], self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="faultbench-qonnx")
        onnx.checker.check_model(m)
        onnx.save(m, path)


def weight_dq(w, name, scale, axis, bias=None, bias_scale=None):
    """A QDQ weight (and bias): the int8 / int32 initializers behind DequantizeLinear."""
    w.const(name + ".weight", scale["codes"])
    ins = [name + ".weight", w.const(name + ".w_scale", scale["s"]), w.const(name + ".w_zp", np.zeros_like(
        np.asarray(scale["s"]), dtype=np.int8))]
    attrs = {"axis": axis} if np.asarray(scale["s"]).ndim else {}
    wd = w.node("DequantizeLinear", ins, [name + ".weight_dq"], "/" + name + "/weight/DequantizeLinear", **attrs)
    if bias is None:
        return wd, None
    w.const(name + ".bias", bias)
    bd = w.node("DequantizeLinear", [name + ".bias", w.const(name + ".b_scale", bias_scale),
                                     w.const(name + ".b_zp", np.zeros_like(bias))],
                [name + ".bias_dq"], "/" + name + "/bias/DequantizeLinear", **({"axis": 0} if np.asarray(bias_scale).ndim else {}))
    return wd, bd


def write_qdq(p, path, gemm):
    w = Writer()
    x = w.dq(w.q("input", p["s0"], "input"), p["s0"], "input")
    w1, b1 = weight_dq(w, "conv1", {"codes": p["w1"], "s": p["ws1"]}, 0, p["b1"], f32(p["s0"] * p["ws1"]))
    c = w.node("Conv", [x, w1, b1], ["c1"], "/conv1/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    c = w.node("Relu", [c], ["r1"], "/relu1/Relu")
    c = w.dq(w.q(c, p["s1"], "r1"), p["s1"], "r1")
    c = w.node("MaxPool", [c], ["p1"], "/pool1/MaxPool", kernel_shape=[2, 2], strides=[2, 2])
    c = w.dq(w.q(c, p["s1"], "p1"), p["s1"], "p1")
    w2, b2 = weight_dq(w, "conv2", {"codes": p["w2"], "s": p["ws2"]}, 0, p["b2"],
                       (f32(p["s1"]) * p["ws2"]).astype(f32))
    c = w.node("Conv", [c, w2, b2], ["c2"], "/conv2/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    c = w.node("Relu", [c], ["r2"], "/relu2/Relu")
    c = w.dq(w.q(c, p["s2"], "r2"), p["s2"], "r2")
    c = w.node("MaxPool", [c], ["p2"], "/pool2/MaxPool", kernel_shape=[2, 2], strides=[2, 2])
    c = w.dq(w.q(c, p["s2"], "p2"), p["s2"], "p2")
    c = w.node("Flatten", [c], ["f"], "/Flatten")
    if gemm:
        w3, b3 = weight_dq(w, "fc", {"codes": p["w3g"], "s": p["ws3g"]}, 0, p["b3g"],
                           (f32(p["s2"]) * p["ws3g"]).astype(f32))
        c = w.node("Gemm", [c, w3, b3], ["fc"], "/fc/Gemm", transB=1)
        s3 = p["s3g"]
    else:
        w3, _ = weight_dq(w, "fc", {"codes": p["w3"], "s": p["ws3"]}, 1)
        c = w.node("MatMul", [c, w3], ["fc"], "/fc/MatMul")
        s3 = p["s3"]
    w.dq(w.q(c, s3, "fc"), s3, "fc", out="logits")
    w.save(path, 13, None)


def write_qdq_residual(p, path):
    w = Writer()
    x = w.dq(w.q("input", p["s0"], "input"), p["s0"], "input")
    w1, b1 = weight_dq(w, "conv1", {"codes": p["w1"], "s": p["ws1"]}, 0, p["b1"], f32(p["s0"] * p["ws1"]))
    c = w.node("Conv", [x, w1, b1], ["c1"], "/conv1/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    c = w.node("Relu", [c], ["r1"], "/relu1/Relu")
    r1 = w.dq(w.q(c, p["s1"], "r1"), p["s1"], "r1")
    wb, bb = weight_dq(w, "convb", {"codes": p["wb"], "s": p["wsb"]}, 0, p["bb"], (f32(p["s1"]) * p["wsb"]).astype(f32))
    c = w.node("Conv", [r1, wb, bb], ["cb"], "/convb/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    cb = w.dq(w.q(c, p["sb"], "cb"), p["sb"], "cb")
    c = w.node("Add", [r1, cb], ["sum"], "/Add")
    c = w.node("Relu", [c], ["rs"], "/relu_sum/Relu")
    c = w.dq(w.q(c, p["sa"], "rs"), p["sa"], "rs")
    c = w.node("MaxPool", [c], ["p1"], "/pool1/MaxPool", kernel_shape=[2, 2], strides=[2, 2])
    c = w.dq(w.q(c, p["sa"], "p1"), p["sa"], "p1")
    w2, b2 = weight_dq(w, "conv2", {"codes": p["w2"], "s": p["ws2"]}, 0, p["b2r"], (f32(p["sa"]) * p["ws2"]).astype(f32))
    c = w.node("Conv", [c, w2, b2], ["c2"], "/conv2/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    c = w.node("Relu", [c], ["r2"], "/relu2/Relu")
    c = w.dq(w.q(c, p["s2r"], "r2"), p["s2r"], "r2")
    c = w.node("MaxPool", [c], ["p2"], "/pool2/MaxPool", kernel_shape=[2, 2], strides=[2, 2])
    c = w.node("Flatten", [c], ["f"], "/Flatten")
    w3, _ = weight_dq(w, "fc", {"codes": p["w3"], "s": p["ws3"]}, 1)
    c = w.node("MatMul", [c, w3], ["fc"], "/fc/MatMul")
    w.dq(w.q(c, p["s3r"], "fc"), p["s3r"], "fc", out="logits")
    w.save(path, 13, None)


def write_qlinear(p, path):
    w = Writer()
    z = w.const("zero", np.int8(0))
    s = {k: w.const(k, f32(p[k])) for k in ("s0", "s1", "s2", "s3")}
    x = w.node("QuantizeLinear", ["input", s["s0"], z], ["xq"], "/input/QuantizeLinear")
    c = w.node("QLinearConv", [x, s["s0"], z, w.const("conv1.weight", p["w1"]), w.const("ws1", f32(p["ws1"])), z,
                               s["s1"], z, w.const("conv1.bias", p["b1"])], ["c1"], "/conv1/QLinearConv",
               kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    c = w.node("Relu", [c], ["r1"], "/relu1/Relu")
    c = w.node("MaxPool", [c], ["p1"], "/pool1/MaxPool", kernel_shape=[2, 2], strides=[2, 2])
    c = w.node("QLinearConv", [c, s["s1"], z, w.const("conv2.weight", p["w2"]), w.const("ws2", p["ws2"]),
                               w.const("zeros16", np.zeros(16, np.int8)), s["s2"], z, w.const("conv2.bias", p["b2"])],
               ["c2"], "/conv2/QLinearConv", kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    c = w.node("Relu", [c], ["r2"], "/relu2/Relu")
    c = w.node("MaxPool", [c], ["p2"], "/pool2/MaxPool", kernel_shape=[2, 2], strides=[2, 2])
    c = w.node("Flatten", [c], ["f"], "/Flatten")
    c = w.node("QLinearMatMul", [c, s["s2"], z, w.const("fc.weight", p["w3"]), w.const("ws3", p["ws3"]),
                                 w.const("zeros10", np.zeros(10, np.int8)), s["s3"], z], ["fc"], "/fc/QLinearMatMul")
    w.node("DequantizeLinear", [c, s["s3"], z], ["logits"], "/output/DequantizeLinear")
    w.save(path, 14, None)


MODELS = ("qdq", "qlinear", "qdq_gemm", "qdq_residual")


def reference(name, p, images):
    return forward_residual(p, images) if name == "qdq_residual" else forward(p, images, gemm=name == "qdq_gemm")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--images", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed + 1)
    images = rng.normal(0, 1, (a.images, 3, 16, 16)).astype(f32)
    labels = rng.integers(0, 10, a.images).astype(np.int64)
    os.makedirs(os.path.join(a.out, "data"), exist_ok=True)
    np.save(os.path.join(a.out, "data", "images.npy"), images)
    np.save(os.path.join(a.out, "data", "labels.npy"), labels)
    p = make_params(images, a.seed)
    write_qdq(p, os.path.join(a.out, "qdq.onnx"), gemm=False)
    write_qlinear(p, os.path.join(a.out, "qlinear.onnx"))
    write_qdq(p, os.path.join(a.out, "qdq_gemm.onnx"), gemm=True)
    write_qdq_residual(p, os.path.join(a.out, "qdq_residual.onnx"))
    for name in MODELS:
        np.save(os.path.join(a.out, name + ".logits.npy"), reference(name, p, images))


if __name__ == "__main__":
    main()
