#!/usr/bin/python3
"""Checks faultbench's number formats (docs/NUMERICS.md) against PyTorch and NumPy.

1. Conversions, value by value: the rounding rules of docs/NUMERICS.md written in NumPy
   (bit formulas) against PyTorch's .to(torch.bfloat16) and .half() and, for TF32, an
   independent float64 rounding (frexp/rint), on a sweep of float32 bit patterns (every class:
   zeros, subnormals, normals, ties, overflow, Inf, NaN).
2. Networks: `faultbench eval --numerics bf16|fp16 --logits` on --images N (stratified) against
   (a) PyTorch's own bf16 network (model.to(torch.bfloat16), CPU) and
   (b) an emulation of the mode's rules in PyTorch float32 (parameters converted, every
       conv/batch-norm/add/pool/linear output and the input rounded to the format, fp32
       accumulation): the same rules, op by op, with PyTorch's kernels.
   Reports the share of images with the same top-1 and with bitwise-equal logits.
   ResNet-CIFAR models (resnet20/32/44...) with their published weights.

usage: tools/numerics_torch_check.py [--faultbench build/faultbench] [--data-root ROOT]
                                     [--model resnet20] [--images 1000]
Runs with Debian's torch 1.13 and NumPy (/usr/bin/python3).
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "bench", "campaign"))
import campaign_common as cc  # noqa: E402


# ---------------------------------------------------------------- the rules, in NumPy
def round_mantissa(u, drop):
    u = u.astype(np.uint64)
    mask = np.uint64((1 << drop) - 1)
    nan = ((u & 0x7F800000) == 0x7F800000) & ((u & 0x007FFFFF) != 0)
    inf = ((u & 0x7F800000) == 0x7F800000) & ~nan
    r = (u + (mask >> np.uint64(1)) + ((u >> np.uint64(drop)) & np.uint64(1))) & ~mask & np.uint64(0xFFFFFFFF)
    r = np.where(nan, (u | 0x00400000) & ~mask, r)
    r = np.where(inf, u, r)
    return r.astype(np.uint32)


def rule(fmt, x):
    """docs/NUMERICS.md's rounding of float32 array x to fmt, as float32."""
    u = x.view(np.uint32)
    if fmt == "tf32":
        return round_mantissa(u, 13).view(np.float32)
    if fmt == "bf16":
        return round_mantissa(u, 16).view(np.float32)
    # fp16: normal range as TF32 then overflow to Inf; below 2^-14 a multiple of 2^-24.
    a = u & 0x7FFFFFFF
    sign = u & 0x80000000
    normal = round_mantissa(u, 13)
    over = ((normal & 0x7FFFFFFF) > 0x477FE000) & (a <= 0x7F800000)
    normal = np.where(over, sign | 0x7F800000, normal).astype(np.uint32)
    with np.errstate(all="ignore"):
        tiny = (np.rint(x.astype(np.float64) * 2.0 ** 24) / 2.0 ** 24).astype(np.float32)
    sub = (tiny.view(np.uint32) & 0x7FFFFFFF) | sign
    return np.where(a < 0x38800000, sub, normal).astype(np.uint32).view(np.float32)


def independent_tf32(x):
    """Round to 11 significant bits with float64 arithmetic (rint: ties to even); below
    2^-126 (TF32 shares fp32's exponent range) to TF32's subnormal grid, multiples of 2^-136."""
    with np.errstate(all="ignore"):
        d = x.astype(np.float64)
        m, e = np.frexp(d)
        r = np.ldexp(np.rint(m * 2.0 ** 11) / 2.0 ** 11, e)
        r = np.where(np.abs(d) < 2.0 ** -126, np.rint(d * 2.0 ** 136) / 2.0 ** 136, r)
        r = np.where(np.abs(r) >= 2.0 ** 128, np.copysign(np.inf, d), r)
        out = r.astype(np.float32)  # exact: 11 bits
    special = ~np.isfinite(x)
    out[special] = x[special]
    return out


def same_bits(a, b):
    """Bitwise equal, NaN against NaN counted equal (payloads are checked separately)."""
    return (a.view(np.uint32) == b.view(np.uint32)) | (np.isnan(a) & np.isnan(b))


def check_conversions():
    rng = np.random.default_rng(1)
    u = np.concatenate([np.arange(0, 2 ** 32, 4099, dtype=np.uint64).astype(np.uint32),
                        rng.integers(0, 2 ** 32, 2_000_000, dtype=np.uint64).astype(np.uint32),
                        np.array([0x3F801000, 0x3F803000, 0x477FF000, 0x477FEFFF, 0x33000000, 0x33000001,
                                  0x387FC000, 0x7F7FFFFF, 0x7F800000, 0xFF800000, 0x7FC00001, 0x80000000],
                                 dtype=np.uint32)])
    x = u.view(np.float32)
    bf = torch.from_numpy(x.copy()).to(torch.bfloat16).float().numpy()
    hf = x.astype(np.float16).astype(np.float32)  # NumPy's IEEE conversion (ties to even)
    ht = torch.from_numpy(x.copy()).half().float().numpy()
    rows = [("bf16 rule vs torch .to(bfloat16)", rule("bf16", x), bf),
            ("fp16 rule vs numpy astype(float16)", rule("fp16", x), hf),
            ("fp16 rule vs torch .half()", rule("fp16", x), ht),
            ("tf32 rule vs float64 frexp/rint", rule("tf32", x), independent_tf32(x))]
    ok = True
    for name, a, b in rows:
        eq = same_bits(a, b)
        ok &= bool(eq.all())
        print("%-40s %d values, %d differ%s" % (name, x.size, int((~eq).sum()),
                                               "" if eq.all() else " e.g. %#010x" % u[~eq][0]))
    return ok


# ---------------------------------------------------------------- networks
def emulate(net, x, fmt):
    """ResNet-CIFAR forward with the mode's roundings (docs/NUMERICS.md), float32 kernels."""
    r = (lambda t: torch.from_numpy(rule(fmt, t.contiguous().numpy().copy())))
    with torch.no_grad():
        for p in list(net.parameters()) + [b for b in net.buffers() if b.dtype == torch.float32]:
            p.copy_(r(p))
        h = r(x)
        h = F.relu(r(net.bn1(r(net.conv1(h)))))
        for layer in (net.layer1, net.layer2, net.layer3):
            for blk in layer:
                o = F.relu(r(blk.bn1(r(blk.conv1(h)))))
                o = r(blk.bn2(r(blk.conv2(o))))
                h = F.relu(r(o + blk.shortcut(h)))
        h = r(F.avg_pool2d(h, h.size(3)))
        return r(net.linear(h.flatten(1)))


def faultbench_logits(a, fmt, out):
    subprocess.check_call([a.faultbench, "eval", "--model", a.model, "--dataset", "cifar10", "--data-dir",
                           a.data_root, "--images", str(a.images), "--numerics", fmt, "--logits", out,
                           "--threads", "2"], stdout=subprocess.DEVNULL)
    with open(out, newline="") as f:
        rows = list(csv.reader(f))[1:]
    idx = np.array([int(r[0]) for r in rows])
    return idx, np.array([[float(v) for v in r[2:]] for r in rows], dtype=np.float32)


def compare(name, fb, other):
    """Same top-1 (argmax: the first of equal maxima), and the same counting a tie: in a
    16-bit format two logits can be exactly equal, and then either class is a top-1."""
    same = fb.argmax(1) == other.argmax(1)
    tied_ok = np.array([fb[i][other[i].argmax()] == fb[i].max() for i in range(len(fb))])
    top, top_ties = same.mean(), (same | tied_ok).mean()
    bitwise = same_bits(fb, other).all(1).mean()
    print("%-44s same top-1 %.2f %% (%d differ; %.2f %% counting exact ties of faultbench's largest logits), "
          "bitwise-equal logits %.1f %% of images, max |diff| %.3g" % (
              name, 100 * top, int((~same).sum()), 100 * top_ties, 100 * bitwise, float(np.abs(fb - other).max())))
    return top_ties


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--faultbench", default=os.path.join(HERE, "..", "build", "faultbench"))
    ap.add_argument("--data-root", default=os.environ.get("FAULTBENCH_DATA", os.path.join(HERE, "..", "..", "shared",
                                                                                           "data")))
    ap.add_argument("--model", default="resnet20")
    ap.add_argument("--images", type=int, default=1000)
    a = ap.parse_args()
    ok = check_conversions()
    torch.set_num_threads(2)
    weights = os.path.join(a.data_root, "weights", "cifar10", {"resnet20": "ResNet20.th", "resnet32": "ResNet32.th",
                                                                "resnet44": "ResNet44.th"}[a.model])
    x_all, _ = cc.load_images("cifar10", os.path.join(a.data_root, "cifar10-jpeg"), 10000)
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("bf16", "fp16"):
            idx, fb = faultbench_logits(a, fmt, os.path.join(tmp, fmt + ".csv"))
            x = x_all[torch.from_numpy(idx)]
            print("%s, %s, %d images (stratified, seed 0):" % (a.model, fmt, len(idx)))
            emu = emulate(cc.load_model(a.model, "cifar10", weights), x, fmt).numpy()
            ok &= compare("  faultbench vs the rules emulated in PyTorch", fb, emu) >= 0.999
            if fmt == "bf16":
                net = cc.load_model(a.model, "cifar10", weights).to(torch.bfloat16)
                with torch.no_grad():
                    tb = net(x.to(torch.bfloat16)).float().numpy()
                ok &= compare("  faultbench vs PyTorch model.to(bfloat16)", fb, tb) >= 0.999
    print("checks: %s" % ("all passed" if ok else "SOME FAILED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
