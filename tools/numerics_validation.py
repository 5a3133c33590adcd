#!/usr/bin/env python3
"""Figures of docs/VALIDATION.md §4 (number formats) from campaign result files.

Compares faultbench RESULTS.csv files (one per --numerics) with the published results of the
same faults (rows of faultlists/torch/CIFAR10/ResNet20_FL.csv, paired by Injection): fully
masked faults (masked == n_injections), the share of faults on which both agree about being
fully masked, masked totals, and the correlation of per-fault masked and critical counts.
When the campaign ran on a subset of the images, the published counts are scaled by
images/10000 for the totals (correlations do not depend on scale).

usage: tools/numerics_validation.py PUBLISHED_ROWS.csv NAME=RESULTS.csv [NAME=RESULTS.csv ...]
Standard library only.
"""
import csv
import math
import sys


def read(path):
    with open(path, newline="") as f:
        rows = [r for r in csv.DictReader(l for l in f if not l.startswith("#"))]
    return {r["Injection"]: r for r in rows}


def corr(xs, ys):
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sx = math.sqrt(sum((x - mx) ** 2 for x in xs))
    sy = math.sqrt(sum((y - my) ** 2 for y in ys))
    return sxy / (sx * sy) if sx > 0 and sy > 0 else float("nan")


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    pub = read(sys.argv[1])
    keys = sorted(pub, key=int)
    full_pub = {k for k in keys if int(pub[k]["masked"]) == int(pub[k]["n_injections"])}
    print("| source | images | fully masked faults | agree with published on fully masked | masked total "
          "(published scaled) | corr. per-fault masked | corr. per-fault critical | mean abs. critical diff "
          "(published scaled) |")
    print("|---|---|---|---|---|---|---|---|")
    print("| published (TF32 GPU) | 10000 | %d | - | %d | - | - | - |" % (
        len(full_pub), sum(int(pub[k]["masked"]) for k in keys)))
    for arg in sys.argv[2:]:
        name, path = arg.split("=", 1)
        res = read(path)
        missing = [k for k in keys if k not in res]
        if missing:
            raise SystemExit("%s: %d of the published faults are missing (e.g. Injection %s)" % (path, len(missing),
                                                                                                missing[0]))
        # The PyTorch oracle file has no n_injections column: all 10,000 images.
        n = int(res[keys[0]].get("n_injections") or 10000)
        scale = n / 10000.0
        full = {k for k in keys if int(res[k]["masked"]) == n}
        agree = sum((k in full) == (k in full_pub) for k in keys)
        masked = [float(res[k]["masked"]) for k in keys]
        pmasked = [float(pub[k]["masked"]) for k in keys]
        crit = [float(res[k]["critical"]) for k in keys]
        pcrit = [float(pub[k]["critical"]) for k in keys]
        mad = sum(abs(c - p * scale) for c, p in zip(crit, pcrit)) / len(keys)
        print("| %s | %d | %d | %.1f %% (%d of %d) | %d (%.0f) | %.6f | %.6f | %.3f |" % (
            name, n, len(full), 100.0 * agree / len(keys), agree, len(keys), sum(masked), sum(pmasked) * scale,
            corr(masked, pmasked), corr(crit, pcrit), mad))


if __name__ == "__main__":
    main()
