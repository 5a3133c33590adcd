#!/usr/bin/python3
"""Oracle for the ONNX operators' kernels (tests/ops/onnx_ops_torch_test.cpp): PyTorch's
CPU fp32 results of the same operations on the same inputs.

Usage: torch_onnx_ops_oracle.py IN.f32 OUT.f32
IN.f32 (native float32): x [4,8,6,10], m [8], s [8], g [4,8], v [4,100], concatenated.
OUT.f32: the results below, flattened and concatenated in this order.
"""
import sys

import numpy as np
import torch
import torch.nn.functional as F

N, C, H, W, K = 4, 8, 6, 10, 100


def main():
    raw = np.fromfile(sys.argv[1], dtype=np.float32)
    sizes = [N * C * H * W, C, C, N * C, N * K]
    parts, at = [], 0
    for n in sizes:
        parts.append(torch.from_numpy(raw[at:at + n].copy()))
        at += n
    x = parts[0].reshape(N, C, H, W)
    m = parts[1].reshape(1, C, 1, 1)
    s = parts[2].reshape(1, C, 1, 1)
    g = parts[3].reshape(N, C, 1, 1)
    v = parts[4].reshape(N, K)
    out = [
        F.leaky_relu(x, 0.1),
        F.relu6(x),
        torch.clamp(x, -1.0, 1.0),
        F.hardswish(x),
        torch.clamp(x * 0.2 + 0.5, 0.0, 1.0),  # ONNX HardSigmoid(alpha=0.2, beta=0.5)
        torch.sigmoid(x),
        torch.tanh(x),
        x - m,
        x / s,
        x * g,
        torch.softmax(v, dim=1),
        F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, 2, 2), "constant", 0.0),  # the CIFAR ResNets' option-A shortcut
        F.interpolate(x, scale_factor=2, mode="nearest"),
        x.permute(0, 1, 3, 2).contiguous(),
    ]
    np.concatenate([t.detach().numpy().astype(np.float32).ravel() for t in out]).tofile(sys.argv[2])


if __name__ == "__main__":
    torch.set_num_threads(1)
    with torch.no_grad():
        main()
