#!/usr/bin/python3
"""The reference campaign method in PyTorch (issue 6, "reference approach"): for every
fault, flip the weight bit in place (every site of a multi-bit / multi-site fault: the rows
sharing its Injection id), run the FULL network over all images in batches of
64 (as the reference tool SFIadvancedmodels does), classify each image against the golden
logits, flip the bit back. Default allocator, torch.set_num_threads(T) (2 by default).

Writes the per-fault result CSV (the reference columns plus due, top1_correct) and prints
one JSON line: faults, images, seconds (fault loop only, golden pass excluded),
fault_images_per_second, peak_rss_mib.

usage: torch_reference.py --model resnet20 --weights ResNet20.th --data-dir DIR \
           --faults list.csv --out results.csv [--images 1000] [--threads 2] [--batch 64]
"""
import argparse
import json
import time

import torch

import campaign_common as cc


def forward_all(net, x, batch):
    """Logits [N, K] of the whole set, `batch` images at a time."""
    return torch.cat([net(x[i:i + batch]) for i in range(0, x.shape[0], batch)])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cc.common_args(ap)
    ap.add_argument("--batch", type=int, default=64)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    net = cc.load_model(args.model, args.dataset, args.weights)
    x, labels = cc.load_images(args.dataset, args.data_dir, args.images)
    faults = cc.group_faults(cc.read_faults(args.faults))  # a fault: its rows (several: multi-bit/-site)
    with torch.no_grad():
        t0 = time.perf_counter()
        golden = forward_all(net, x, args.batch)
        golden_top1 = cc.top1(golden)
        t1 = time.perf_counter()
        counts = []
        for fault in faults:
            cc.flip_fault(net, fault)
            c = cc.Counts()
            for i in range(0, x.shape[0], args.batch):
                j = min(i + args.batch, x.shape[0])
                c.add(golden[i:j], golden_top1[i:j], net(x[i:j]), labels[i:j])
            cc.flip_fault(net, fault)  # restore: XOR again
            counts.append(c)
        t2 = time.perf_counter()
    cc.write_results(args.out, faults, counts, args.images)
    seconds = t2 - t1
    print(json.dumps({"tool": "torch_reference", "faults": len(faults), "images": args.images,
                      "golden_seconds": t1 - t0, "seconds": seconds,
                      "fault_images_per_second": len(faults) * args.images / seconds if seconds > 0 else None,
                      "peak_rss_mib": cc.peak_rss_mib(), "threads": args.threads, "torch": torch.__version__}),
          flush=True)


if __name__ == "__main__":
    main()
