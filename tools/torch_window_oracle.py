#!/usr/bin/python3
"""Oracle for conv2d / max_pool2d / avg_pool2d with ONNX windows, computed with torch.

Usage: torch_window_oracle.py DIR COUNT
For i in 0..COUNT-1, DIR/case_i.txt holds one line:
  conv N C H W OC GROUPS KH KW SH SW DH DW PT PL PB PR
  max  N C H W KH KW SH SW DH DW PT PL CEIL
  avg  N C H W KH KW SH SW PT PL CEIL COUNT_INCLUDE_PAD
with DIR/case_i.x.f32 (and, for conv, DIR/case_i.w.f32 [OC, C/GROUPS, KH, KW]) in native
float32; writes DIR/case_i.y.f32. Conv pads may be asymmetric (applied with F.pad, zeros);
torch's pools take symmetric pads only (PT = bottom, PL = right).
Used by tests/ops/window_torch_test.cpp (skipped where /usr/bin/python3 has no torch).
"""
import sys

import numpy as np
import torch
import torch.nn.functional as F


def load(path, shape):
    return torch.from_numpy(np.fromfile(path, dtype=np.float32).reshape(shape).copy())


def run(base):
    f = open(base + ".txt").read().split()
    op, v = f[0], [int(t) for t in f[1:]]
    if op == "conv":
        n, c, h, w, oc, g, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr = v
        x = F.pad(load(base + ".x.f32", (n, c, h, w)), (pl, pr, pt, pb))
        wt = load(base + ".w.f32", (oc, c // g, kh, kw))
        y = F.conv2d(x, wt, None, (sh, sw), 0, (dh, dw), g)
    elif op == "max":
        n, c, h, w, kh, kw, sh, sw, dh, dw, pt, pl, ceil = v
        y = F.max_pool2d(load(base + ".x.f32", (n, c, h, w)), (kh, kw), (sh, sw), (pt, pl), (dh, dw), bool(ceil))
    elif op == "avg":
        n, c, h, w, kh, kw, sh, sw, pt, pl, ceil, cip = v
        y = F.avg_pool2d(load(base + ".x.f32", (n, c, h, w)), (kh, kw), (sh, sw), (pt, pl), bool(ceil), bool(cip))
    else:
        raise SystemExit("unknown op " + op)
    y.numpy().astype(np.float32).tofile(base + ".y.f32")


def main():
    torch.set_num_threads(1)
    for i in range(int(sys.argv[2])):
        run("%s/case_%d" % (sys.argv[1], i))


if __name__ == "__main__":
    main()
