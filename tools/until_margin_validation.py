#!/usr/bin/env python3
"""Validation of `faultbench campaign --until-margin` on ResNet20 (too long for CI: run once,
its output is recorded in docs/REPORT.md).

    /usr/bin/python3 tools/until_margin_validation.py [--faultbench build/faultbench]
        [--data DATA] [--work DIR] [--seeds 1 2 3 4 5] [--margin 0.01] [--images 1000]

For each seed: the published ResNet20 list (its fault columns), --images 1000 (100 per
class), --until-margin 0.01 at 99 % confidence. Checks that the campaign stops well before the
end of the list (fewer than half its faults) and that the critical rate it reports lies within
its own margin of the published whole-list rate (sum critical / sum n_injections of
faultlists/torch/CIFAR10/ResNet20_FL.csv). Prints a Markdown table; exit 1 when a check fails.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--faultbench", default=os.path.join(here, "..", "build", "faultbench"))
    ap.add_argument("--data", default=os.environ.get("FAULTBENCH_DATA", os.path.join(here, "..", "..", "shared", "data")))
    ap.add_argument("--work", default="/tmp/until_margin_validation")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--margin", type=float, default=0.01)
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--per", default="model")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    published = os.path.join(a.data, "faultlists", "torch", "CIFAR10", "ResNet20_FL.csv")
    rows = list(csv.DictReader(open(published)))
    whole = sum(int(r["critical"]) for r in rows) / sum(int(r["n_injections"]) for r in rows)
    faults = os.path.join(a.work, "ResNet20_faults.csv")
    with open(faults, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["Injection", "Layer", "TensorIndex", "Bit"])
        for r in rows:
            w.writerow([r["Injection"], r["Layer"], r["TensorIndex"], r["Bit"]])
    print(f"published whole-list critical rate: {100 * whole:.4f}% ({len(rows)} faults, 10,000 images)\n")
    print("| seed | faults run | share of the list | critical rate | half-width (99 %) | distance to published | "
          "within margin | wall time |")
    print("|---:|---:|---:|---:|---:|---:|:---:|---:|")
    ok = True
    for seed in a.seeds:
        out = os.path.join(a.work, f"seed{seed}.csv")
        for suffix in ("", ".json", ".journal"):
            if os.path.exists(out + suffix):
                os.remove(out + suffix)
        t0 = time.time()
        subprocess.run([a.faultbench, "campaign", "--model", "resnet20", "--dataset", "cifar10", "--data-dir", a.data,
                        "--faults", faults, "--out", out, "--images", str(a.images), "--until-margin", str(a.margin),
                        "--per", a.per, "--order-seed", str(seed)], check=True, stderr=subprocess.DEVNULL)
        wall = time.time() - t0
        um = json.load(open(out + ".json"))["until_margin"]
        g = next(g for g in um["groups"] if g["group"] == "all") if a.per == "model" else max(
            um["groups"], key=lambda g: g["half_width"])
        diff = abs(g["critical_rate"] - whole)
        within = diff <= g["half_width"]
        early = um["faults_run"] < len(rows) / 2
        ok = ok and within and early
        print(f"| {seed} | {um['faults_run']} | {100 * um['faults_run'] / len(rows):.1f}% | "
              f"{100 * g['critical_rate']:.4f}% | {100 * g['half_width']:.4f}% | {100 * diff:.4f}% | "
              f"{'yes' if within else 'NO'} | {wall:.0f} s |", flush=True)
    print("\nuntil_margin_validation: " + ("all checks pass" if ok else "A CHECK FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
