#!/usr/bin/python3
"""PyTorch reference for transient activation faults (issue 17 item 2): PyTorchFI's
single-neuron model with forward hooks, to compare with `faultbench campaign --target
activations` on the same list.

For every fault (Injection, Layer, TensorIndex, Bit) a forward hook on the module named
Layer (a conv or linear layer, whose hook sees its raw output, bias included, before any
batch norm; or an activation module such as VGG's features.N ReLU) XORs the bit into the
fp32 output value at TensorIndex, (c, h, w) of a 4-D output or (n) of a 2-D one, for every
image of the batch; then the faulty logits are classified against PyTorch's golden ones
exactly as faultbench does (masked: logits bitwise equal; critical: top-1 differs; due:
a non-finite logit). The model definitions and image loading are the benchmark's
(tools/reference_models.py, bench/campaign/campaign_common.py).

Writes the per-fault result CSV (faultbench's columns) and prints one JSON line: faults,
images, seconds (fault loop), fault_images_per_second. With --compare RESULTS.csv (a
faultbench result of the same list and images) it also prints how the counts differ.

usage: activation_faults_torch.py --model resnet20 --weights ResNet20.th --data-dir DIR \
           --faults list.csv --out torch.csv [--images 1000] [--threads 2] [--batch 250] \
           [--compare RESULTS.csv]
"""
import argparse
import csv
import json
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "bench", "campaign"))
import campaign_common as cc  # noqa: E402


def flip_hook(index, bit):
    """A forward hook XORing `bit` into output[:, *index] of every image (in place: an
    in-place ReLU's output is its input, which the next module reads)."""
    mask = -(1 << 31) if bit == 31 else (1 << bit)

    def hook(module, inputs, output):
        bits = output.view(torch.int32)  # conv, linear and ReLU outputs are contiguous
        bits[(slice(None),) + tuple(index)] ^= mask
        return output
    return hook


def run_list(net, x, labels, faults, batch):
    golden = torch.cat([net(x[i:i + batch]) for i in range(0, x.shape[0], batch)])
    golden_top1 = cc.top1(golden)
    counts = []
    t0 = time.perf_counter()
    for f in faults:
        if len(f) != 1:
            raise SystemExit("Injection %s: an activation fault has one row" % f[0]["Injection"])
        site = f[0]
        handle = net.get_submodule(site["Layer"]).register_forward_hook(flip_hook(site["index"], site["Bit"]))
        c = cc.Counts()
        for i in range(0, x.shape[0], batch):
            j = min(i + batch, x.shape[0])
            c.add(golden[i:j], golden_top1[i:j], net(x[i:j]), labels[i:j])
        handle.remove()
        counts.append(c)
    return counts, time.perf_counter() - t0


def compare(ours_path, theirs_path):
    """Per-fault differences of the counts of two result files (by row order)."""
    def rows(p):
        with open(p, newline="") as f:
            return list(csv.DictReader(f))
    a, b = rows(ours_path), rows(theirs_path)
    if [r["Injection"] for r in a] != [r["Injection"] for r in b]:
        raise SystemExit("the two result files list other faults")
    out = {}
    for col in ("masked", "non_critical", "critical", "due"):
        d = np.array([int(x[col]) - int(y[col]) for x, y in zip(a, b)])
        out[col] = {"faults_differing": int((d != 0).sum()), "max_abs_diff": int(np.abs(d).max()),
                    "mean_abs_diff_per_fault": float(np.abs(d).mean()), "total_torch": int(sum(int(x[col]) for x in a)),
                    "total_faultbench": int(sum(int(y[col]) for y in b))}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cc.common_args(ap)
    ap.add_argument("--batch", type=int, default=250)
    ap.add_argument("--compare", help="a faultbench RESULTS.csv of the same list and images")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    net = cc.load_model(args.model, args.dataset, args.weights)
    x, labels = cc.load_images(args.dataset, args.data_dir, args.images)
    faults = cc.group_faults(cc.read_faults(args.faults))
    with torch.no_grad():
        counts, seconds = run_list(net, x, labels, faults, args.batch)
    cc.write_results(args.out, faults, counts, args.images)
    report = {"tool": "activation_faults_torch", "faults": len(faults), "images": args.images, "seconds": seconds,
              "fault_images_per_second": len(faults) * args.images / seconds if seconds > 0 else None,
              "threads": args.threads, "torch": torch.__version__}
    if args.compare:
        report["torch_minus_faultbench"] = compare(args.out, args.compare)
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
