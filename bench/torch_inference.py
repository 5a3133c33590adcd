#!/usr/bin/python3
"""PyTorch side of the inference benchmark (issue 2): images/s of a zoo model in
PyTorch eager mode and as a frozen TorchScript module, fp32 CPU, a fixed thread count.

Prints one JSON object per line: {"engine": ..., "batch": ..., "images_per_second": ...}.
Run by bench/run_inference_bench.sh beside faultbench's own benchmark, in the same
invocation, so that the ratios compare measurements taken on the same machine state.
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import reference_models  # noqa: E402


def measure(fn, x, min_seconds):
    """Median images/s over repeated timed windows of at least min_seconds/5 each."""
    for _ in range(3):
        fn(x)  # warm-up (TorchScript optimizes on the first calls)
    rates = []
    for _ in range(5):
        n, start = 0, time.perf_counter()
        while True:
            fn(x)
            n += x.shape[0]
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds / 5:
                break
        rates.append(n / elapsed)
    rates.sort()
    return rates[len(rates) // 2], rates[0], rates[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="resnet20")
    ap.add_argument("--dataset", default="cifar10")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batches", default="1,128")
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = reference_models.build(args.model, args.dataset)
    size = reference_models.INPUT_SIZE[args.dataset]
    with torch.no_grad():
        for batch in [int(b) for b in args.batches.split(",")]:
            x = torch.randn(batch, 3, size, size)
            frozen = torch.jit.freeze(torch.jit.script(model))
            # optimize_for_inference additionally converts convolutions to MKL-DNN
            # (oneDNN) layouts: the fastest CPU path PyTorch 1.13 offers.
            optimized = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.script(model)))
            for name, fn in (("pytorch_eager", model), ("pytorch_torchscript_frozen", frozen),
                             ("pytorch_torchscript_frozen_mkldnn", optimized)):
                med, lo, hi = measure(fn, x, args.seconds)
                print(json.dumps({"engine": name, "model": args.model, "batch": batch, "threads": args.threads,
                                  "images_per_second": med, "min": lo, "max": hi,
                                  "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
