#!/usr/bin/python3
"""NumPy re-implementation of faultbench's --numerics int8 (docs/NUMERICS.md "int8"),
checked bit for bit against faultbench's logits.

Runs `faultbench convert` (the weights as safetensors) and `faultbench eval --numerics int8
--first-images N --logits ... --int8-calibration cal.json` (the fp32 graph and the
calibration maxima, max |x| per value over the first K test images, computed by
faultbench's fp32 kernels), then redoes from the written rules alone: the batch-norm
folding, the per-channel weight codes, the int32 biases, the activation scales, the
integer convolutions (exact int64 sums), the requantizations, adds, poolings and the
dequantized logits, and compares every logit's bits. Reads the CIFAR-10 binary test file
itself (docs/NUMERICS.md normalization: fp32 (p / 255 - mean) / std).

usage: /usr/bin/python3 tools/int8_reference.py --faultbench build/faultbench --model resnet20
         --weights $FAULTBENCH_DATA/weights/cifar10/ResNet20.th --data-dir $FAULTBENCH_DATA/cifar10-jpeg
         [--images 64] [--calibration-images 100] [--faults LIST.csv]
With --faults (bit flips in int8 weight codes, or in int32 biases: Layer "<layer>.bias"), also
runs `faultbench campaign --mode brute-force` on the list and checks each fault's counts
(masked = every logit bitwise equal, non-critical, critical, top-1 correct) against NumPy's.
NumPy only.
"""
import argparse
import csv
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np

F32 = np.float32
MEAN = [F32(0.4914), F32(0.4822), F32(0.4465)]
STD = [F32(0.2023), F32(0.1994), F32(0.2010)]


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        dtype = {"F32": "<f4", "I64": "<i8"}[t["dtype"]]
        out[name] = np.frombuffer(data[a:b], dtype=dtype).reshape(t["shape"])
    return out


def cifar_images(data_dir, n):
    raw = np.fromfile(os.path.join(data_dir, "cifar-10-batches-bin", "test_batch.bin"), dtype=np.uint8)
    rec = raw.reshape(-1, 3073)[:n]
    px = rec[:, 1:].reshape(-1, 3, 32, 32)
    x = px.astype(F32) / F32(255)
    for c in range(3):
        x[:, c] = (x[:, c] - MEAN[c]) / STD[c]
    return x.astype(F32), rec[:, 0].astype(np.int64)


def int8_scale(m):
    s = F32(F32(m) / F32(127))
    return s if s > 0 else F32(1)


def rne_sat(v, lo):
    """round half to even (np.rint) of fp64 v saturated to [lo, 127]: as float32 codes"""
    return np.rint(np.clip(v, lo, 127.0)).astype(F32)


def window_of(node):
    w = node["window"]
    return w["kernel"], w["stride"], w["dilation"], w["pads"]


def conv_int(x, wq, kernel, stride, dilation, pads, groups):
    """exact integer conv: x [N, C, H, W] codes, wq [O, C/g, kh, kw] codes -> int64 sums"""
    n, c, h, w = x.shape
    o = wq.shape[0]
    kh, kw = kernel
    xp = np.zeros((n, c, h + pads[0] + pads[2], w + pads[1] + pads[3]), dtype=np.int64)
    xp[:, :, pads[0]:pads[0] + h, pads[1]:pads[1] + w] = x.astype(np.int64)
    oh = (xp.shape[2] - ((kh - 1) * dilation[0] + 1)) // stride[0] + 1
    ow = (xp.shape[3] - ((kw - 1) * dilation[1] + 1)) // stride[1] + 1
    cg, og = c // groups, o // groups
    out = np.zeros((n, o, oh, ow), dtype=np.int64)
    for g in range(groups):
        cols = np.empty((n, cg, kh, kw, oh, ow), dtype=np.int64)
        for i in range(kh):
            for j in range(kw):
                r0, c0 = i * dilation[0], j * dilation[1]
                cols[:, :, i, j] = xp[:, g * cg:(g + 1) * cg, r0:r0 + stride[0] * oh:stride[0],
                                      c0:c0 + stride[1] * ow:stride[1]]
        wg = wq[g * og:(g + 1) * og].reshape(og, -1).astype(np.int64)
        out[:, g * og:(g + 1) * og] = np.einsum("ok,nkp->nop", wg, cols.reshape(n, cg * kh * kw, oh * ow)).reshape(
            n, og, oh, ow)
    return out


def flip(code, bit, width):
    """Bit `bit` of a two's complement code `width` bits wide flipped (docs/NUMERICS.md "int8", Faults)."""
    u = (int(code) & ((1 << width) - 1)) ^ (1 << bit)
    return u - (1 << width) if u >> (width - 1) else u


def run(graph, params, images, fault=None):
    """The int8 logits; `fault` = (layer, index, bit): a bit flip in a weight code (layer = the
    conv/linear's name) or in an int32 bias code (layer = "<layer>.bias")."""
    nodes, values = graph["nodes"], graph["values"]
    max_abs = [F32(float(v["max_abs"])) for v in values]
    out_value = graph["output_value"]
    readers = [[] for _ in values]
    for i, n in enumerate(nodes):
        for v in n["inputs"]:
            readers[v].append(i)
    taken = set()

    def sole_reader(v, kind):
        if v == out_value or len(readers[v]) != 1:
            return -1
        r = readers[v][0]
        return r if nodes[r]["kind"] == kind and r not in taken else -1

    val, scale = {}, {}
    for i, n in enumerate(nodes):
        if i in taken:
            continue
        k = n["kind"]
        if k == "input":
            s = int8_scale(max_abs[n["output"]])
            q = np.divide(images, s, dtype=F32)
            val[n["output"]] = rne_sat(np.nan_to_num(q, nan=0.0).astype(np.float64), -128.0)
            scale[n["output"]] = s
        elif k in ("conv2d", "linear"):
            x = val[n["inputs"][0]]
            sx = scale[n["inputs"][0]]
            w = params[n["params"][0]].astype(F32).copy()
            co = w.shape[0]
            b = params[n["params"][1]].astype(F32).copy() if n.get("bias") else np.zeros(co, F32)
            last, bn = n["output"], -1
            if k == "conv2d":
                bn = sole_reader(last, "batch_norm2d")
                if bn >= 0:
                    last = nodes[bn]["output"]
            relu = sole_reader(last, "relu")
            if relu >= 0:
                last = nodes[relu]["output"]
            taken.update(m for m in (bn, relu) if m >= 0)
            if bn >= 0:
                bnn = nodes[bn]
                gamma, beta_b, mean, var = (params[p].astype(F32) for p in bnn["params"][:4])
                eps = F32(float(bnn["eps"]))
                invstd = F32(1) / np.sqrt(var + eps)
                alpha = gamma * invstd
                beta = beta_b - mean * alpha
                w = w * alpha.reshape((co,) + (1,) * (w.ndim - 1))
                b = b * alpha + beta
            has_bias = bool(n.get("bias")) or bn >= 0
            wf = w.reshape(co, -1)
            ws = np.array([int8_scale(np.max(np.abs(wf[c]))) for c in range(co)], dtype=F32)
            wq = np.clip(np.rint(wf / ws[:, None]), -127, 127).astype(np.int64).reshape(w.shape)
            bs = (sx * ws).astype(F32)
            bq = np.clip(np.rint((b / bs).astype(np.float64)), -2.0**30, 2.0**30).astype(np.int64) if has_bias else 0
            layer = n["params"][0][:-len(".weight")] if n["params"][0].endswith(".weight") else n["params"][0]
            if fault is not None and fault[0] == layer:
                flat = np.ravel_multi_index(fault[1], wq.shape)
                wq.reshape(-1)[flat] = flip(wq.reshape(-1)[flat], fault[2], 8)
            if fault is not None and fault[0] == layer + ".bias":
                assert has_bias, f"{fault[0]}: faultbench refuses a bias site without an int32 bias"
                bq = bq.copy()
                bq[fault[1][0]] = flip(bq[fault[1][0]], fault[2], 32)
            logits = last == out_value
            sy = F32(0) if logits else int8_scale(max_abs[last])
            mult = bs if logits else (bs / sy).astype(F32)
            if k == "linear":
                acc = x.reshape(x.shape[0], -1).astype(np.int64) @ wq.T
                acc = acc[:, :, None, None]
            else:
                kernel, stride, dilation, pads = window_of(n)
                acc = conv_int(x, wq, kernel, stride, dilation, pads, n["groups"])
            acc = acc + (np.asarray(bq).reshape(1, -1, 1, 1) if has_bias else 0)
            acc = (acc + 2**31) % 2**32 - 2**31  # int32 with two's complement wrap (a faulty bias can wrap)
            v = acc.astype(np.float64) * mult.astype(np.float64).reshape(1, -1, 1, 1)
            val[last] = v.astype(F32) if logits else rne_sat(v, 0.0 if relu >= 0 else -128.0)
            scale[last] = sy
        elif k == "add":
            a, b_ = n["inputs"]
            last = n["output"]
            relu = sole_reader(last, "relu")
            if relu >= 0:
                last = nodes[relu]["output"]
                taken.add(relu)
            sy = int8_scale(max_abs[last])
            ma, mb = F32(scale[a] / sy), F32(scale[b_] / sy)
            v = val[a].astype(np.float64) * np.float64(ma) + val[b_].astype(np.float64) * np.float64(mb)
            val[last] = rne_sat(v, 0.0 if relu >= 0 else -128.0)
            scale[last] = sy
        elif k == "relu":
            val[n["output"]] = np.maximum(val[n["inputs"][0]], F32(0))
            scale[n["output"]] = scale[n["inputs"][0]]
        elif k == "shortcut_a":
            x = val[n["inputs"][0]][:, :, ::2, ::2]
            z = lambda c: np.zeros((x.shape[0], c, x.shape[2], x.shape[3]), F32)
            val[n["output"]] = np.concatenate([z(n["pad_front"]), x, z(n["pad_back"])], axis=1)
            scale[n["output"]] = scale[n["inputs"][0]]
        elif k in ("global_avg_pool", "avg_pool2d"):
            x = val[n["inputs"][0]]
            if k == "global_avg_pool":
                sums, cells = x.astype(np.int64).sum(axis=(2, 3), keepdims=True), x.shape[2] * x.shape[3]
            else:
                (kh, kw), (sh, sw), _, pads = window_of(n)
                assert not any(pads), "padded average pooling is refused by faultbench"
                oh, ow = (x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1
                sums = sum(x[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw].astype(np.int64)
                           for i in range(kh) for j in range(kw))
                cells = kh * kw
            sy = int8_scale(max_abs[n["output"]])
            m = F32(F32(scale[n["inputs"][0]] / sy) / F32(cells))
            val[n["output"]] = rne_sat(sums.astype(np.float64) * np.float64(m), -128.0)
            scale[n["output"]] = sy
        elif k == "concat":  # each input requantized to the output's scale
            sy = int8_scale(max_abs[n["output"]])
            val[n["output"]] = np.concatenate(
                [rne_sat(val[v].astype(np.float64) * np.float64(F32(scale[v] / sy)), -128.0) for v in n["inputs"]],
                axis=1)
            scale[n["output"]] = sy
        elif k == "batch_norm2d":  # after no conv (DenseNet): per-channel affine requantization
            x, sx = val[n["inputs"][0]], scale[n["inputs"][0]]
            last = n["output"]
            relu = sole_reader(last, "relu")
            if relu >= 0:
                last = nodes[relu]["output"]
                taken.add(relu)
            gamma, beta_b, mean, var = (params[p].astype(F32) for p in n["params"][:4])
            eps = F32(float(n["eps"]))
            invstd = F32(1) / np.sqrt(var + eps)
            alpha = gamma * invstd
            beta = beta_b - mean * alpha
            sy = int8_scale(max_abs[last])
            m = ((alpha * sx).astype(F32) / sy).astype(F32)
            b = (beta / sy).astype(F32)
            v = x.astype(np.float64) * m.astype(np.float64).reshape(1, -1, 1, 1) + b.astype(np.float64).reshape(
                1, -1, 1, 1)
            val[last] = rne_sat(v, 0.0 if relu >= 0 else -128.0)
            scale[last] = sy
        elif k in ("flatten",):
            x = val[n["inputs"][0]]
            val[n["output"]] = x.reshape(x.shape[0], -1, 1, 1)
            scale[n["output"]] = scale[n["inputs"][0]]
        elif k == "max_pool2d":
            x = val[n["inputs"][0]]
            (kh, kw), (sh, sw), _, pads = window_of(n)
            xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])), constant_values=-np.inf)
            oh, ow = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
            val[n["output"]] = np.max([xp[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]
                                       for i in range(kh) for j in range(kw)], axis=0).astype(F32)
            scale[n["output"]] = scale[n["inputs"][0]]
        else:
            raise SystemExit(f"node {i}: {k} is not covered by this reference")
    return val[out_value].reshape(images.shape[0], -1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--faultbench", default="build/faultbench")
    ap.add_argument("--model", default="resnet20")
    ap.add_argument("--weights", required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--images", type=int, default=64)
    ap.add_argument("--calibration-images", type=int, default=100)
    ap.add_argument("--faults", help="a fault list (bit flips) to check per fault")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        st, cal, lg = (os.path.join(tmp, f) for f in ("w.safetensors", "cal.json", "logits.csv"))
        subprocess.run([a.faultbench, "convert", "--model", a.model, "--dataset", "cifar10", "--weights", a.weights,
                        "--out", st], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([a.faultbench, "eval", "--model", a.model, "--dataset", "cifar10", "--weights", a.weights,
                        "--data-dir", a.data_dir, "--numerics", "int8", "--calibration-images",
                        str(a.calibration_images), "--first-images", str(a.images), "--logits", lg,
                        "--int8-calibration", cal, "--threads", "2"], check=True, stdout=subprocess.DEVNULL)
        params = read_safetensors(st)
        with open(cal) as f:
            graph = json.load(f)
        rows = [l.strip().split(",") for l in open(lg).read().splitlines()[1:]]
        results = None
        if a.faults:
            rc = os.path.join(tmp, "results.csv")
            subprocess.run([a.faultbench, "campaign", "--model", a.model, "--dataset", "cifar10", "--weights",
                            a.weights, "--data-dir", a.data_dir, "--numerics", "int8", "--calibration-images",
                            str(a.calibration_images), "--first-images", str(a.images), "--faults", a.faults,
                            "--out", rc, "--mode", "brute-force", "--threads", "2"], check=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            results = list(csv.DictReader(open(rc)))
    theirs = np.array([[F32(float(v)) for v in r[2:]] for r in rows], dtype=F32)
    images, labels = cifar_images(a.data_dir, a.images)
    mine = run(graph, params, images)
    same = np.all(mine.view(np.uint32) == theirs.view(np.uint32), axis=1)
    top1 = float(np.mean(np.argmax(mine, axis=1) == labels)) * 100
    print(f"{a.model}: {int(same.sum())} of {len(same)} images with every logit bitwise equal "
          f"(calibration: first {graph['calibration_images']} test images; NumPy top-1 {top1:.2f}%)")
    if not same.all():
        i = int(np.argmin(same))
        print(f"first difference: image {i}: faultbench {theirs[i].tolist()} numpy {mine[i].tolist()}")
        sys.exit(1)
    if results is None:
        return
    golden_top1 = np.argmax(mine, axis=1)
    bad = 0
    for r in results:
        index = tuple(int(v) for v in r["TensorIndex"].strip("()").split(",") if v.strip())
        faulty = run(graph, params, images, (r["Layer"], index, int(r["Bit"])))
        equal = np.all(faulty.view(np.uint32) == mine.view(np.uint32), axis=1) & ~np.isnan(faulty).any(axis=1)
        top1 = np.argmax(faulty, axis=1)  # first maximum, as faultbench (no NaN among these logits)
        counts = (int(equal.sum()), int((~equal & (top1 == golden_top1)).sum()),
                  int((~equal & (top1 != golden_top1)).sum()), int((top1 == labels).sum()))
        theirs_c = tuple(int(r[k]) for k in ("masked", "non_critical", "critical", "top1_correct"))
        ok = counts == theirs_c
        bad += not ok
        print(f"  fault {r['Injection']} {r['Layer']} {r['TensorIndex']} bit {r['Bit']}: "
              f"masked/non-critical/critical/top-1 {theirs_c} {'==' if ok else '!='} NumPy {counts}")
    print(f"{len(results) - bad} of {len(results)} faults with equal counts")
    if bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
