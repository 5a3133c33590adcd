#!/usr/bin/python3
"""Where the time of a faultbench campaign goes (issue 6), without instrumenting the engine.

1. Per faulty layer: `faultbench campaign` (fast mode) on K faults of that layer only
   (a seeded sample of the published list's rows of that layer) and, to remove the fixed
   cost (process start, weights, images), on 2K faults: the marginal cost per fault of the
   layer is (T(2K) - T(K)) / K, median over --reps. Weighted by the number of faults the
   published list has in each layer, this gives each layer's share of a full campaign.
2. Functions: `perf record -e cpu-clock` (software sampling; this VM has no hardware
   counters) over one campaign of the workload's --sample faults, top symbols.
3. Full-list estimate: the --sample faults (random rows, the list's layer distribution)
   over --estimate-images images; fault-images/s, peak RSS, and the implied time for the
   whole published list.

usage: profile.py [--model resnet20] [--per-layer 8] [--images 1000] [--reps 3]
                  [--sample 100] [--estimate-images 10000] [--faultbench build/faultbench]
"""
import argparse
import collections
import csv
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as driver  # noqa: E402


def campaign(a, faults, out, images, prefix=()):
    driver.clean(out)
    cmd = list(prefix) + [a.faultbench, "campaign", "--model", a.model, "--dataset", "cifar10", "--weights", a.weights_path,
                          "--data-dir", a.data_dir, "--faults", faults, "--out", out, "--images", str(images),
                          "--threads", str(a.threads)]
    return driver.run_child(cmd, out + ".log")


def write_list(rows, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["Injection", "Layer", "TensorIndex", "Bit"])
        for r in rows:
            w.writerow([r["Injection"], r["Layer"], r["TensorIndex"], r["Bit"]])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="resnet20")
    ap.add_argument("--per-layer", type=int, default=8)
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--sample", type=int, default=100)
    ap.add_argument("--estimate-images", type=int, default=10000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--skip", default="", help="comma list of steps to skip: layers,perf,estimate")
    ap.add_argument("--faultbench", default=os.path.join(driver.ROOT, "build", "faultbench"))
    ap.add_argument("--data-root", default=os.environ.get("FAULTBENCH_DATA", os.path.join(driver.ROOT, "..", "shared", "data")))
    ap.add_argument("--work", default="/tmp/faultbench-campaign-bench/profile")
    a = ap.parse_args()
    a.faultbench = os.path.abspath(a.faultbench)
    a.data_dir = os.path.join(a.data_root, "cifar10-jpeg")
    os.makedirs(a.work, exist_ok=True)
    a.faults, a.images_spec = str(a.sample), str(a.images)
    w = driver.prepare(argparse.Namespace(faults=str(a.sample), images=str(a.images), data_root=a.data_root,
                                          work=a.work, seed=a.seed), a.model)
    a.weights_path = w["weights"]
    skip = set(a.skip.split(","))
    published = os.path.join(a.data_root, "faultlists/torch/CIFAR10", driver.LISTS[a.model])
    with open(published, newline="") as f:
        rows = list(csv.DictReader(f))
    by_layer = collections.OrderedDict()
    for r in rows:
        by_layer.setdefault(r["Layer"], []).append(r)
    print("machine: %s, %d CPUs, load %.2f at start; %s, %d threads" % (
        os.uname().nodename, os.cpu_count(), os.getloadavg()[0], a.model, a.threads))

    if "layers" not in skip:
        rng = random.Random(a.seed)
        table, total = [], 0.0
        for layer, lrows in by_layer.items():
            k = min(a.per_layer, len(lrows) // 2)
            if k == 0:
                continue
            picked = rng.sample(lrows, 2 * k)
            small, big = os.path.join(a.work, "layer_k.csv"), os.path.join(a.work, "layer_2k.csv")
            write_list(sorted(picked[:k], key=lambda r: int(r["Injection"])), small)
            write_list(sorted(picked, key=lambda r: int(r["Injection"])), big)
            per_fault = []
            for _ in range(a.reps):
                t1, _, _ = campaign(a, small, os.path.join(a.work, "k.csv"), a.images)
                t2, _, _ = campaign(a, big, os.path.join(a.work, "2k.csv"), a.images)
                per_fault.append((t2 - t1) / k)
            res = driver.read_results(os.path.join(a.work, "2k.csv"))
            masked = sum(v[0] for v in res.values()) / (len(res) * a.images)
            sec = max(statistics.median(per_fault), 1e-9)
            share = sec * len(lrows)
            total += share
            table.append((layer, len(lrows), sec, min(per_fault), max(per_fault), masked, share))
            print("  %-28s %5d faults in list  %8.2f ms/fault  %.0f%% images masked" % (
                layer, len(lrows), sec * 1e3, 100 * masked), flush=True)
        print()
        print("Per faulty layer, %d images, marginal cost per fault (median of %d, (T(2K)-T(K))/K, K=%d):" % (
            a.images, a.reps, a.per_layer))
        print("| layer | faults in published list | ms per fault (median) | min | max | fault-images/s | images masked | share of full-list time |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for layer, n, sec, lo, hi, masked, share in table:
            print("| %s | %d | %.2f | %.2f | %.2f | %.0f | %.0f %% | %.1f %% |" % (
                layer, n, sec * 1e3, lo * 1e3, hi * 1e3, a.images / sec, 100 * masked, 100 * share / total))
        print("sum over the list: %.0f s for %d images -> x%.0f for 10,000 images: %.1f min" % (
            total, a.images, 10000 / a.images, total * 10000 / a.images / 60))

    if "perf" not in skip and shutil.which("perf"):
        data = os.path.join(a.work, "perf.data")
        wall, _, _ = campaign(a, w["faults"], os.path.join(a.work, "perf.csv"), a.images,
                           prefix=["perf", "record", "-q", "-e", "cpu-clock", "-F", "499", "-o", data, "--"])
        rep = subprocess.run(["perf", "report", "-i", data, "--stdio", "--sort", "symbol", "--percent-limit", "1"],
                             capture_output=True, text=True).stdout
        print()
        print("perf (cpu-clock samples), %d faults x %d images, %.1f s wall:" % (a.sample, a.images, wall))
        for line in rep.splitlines():
            if line.strip() and not line.startswith("#"):
                print(line.rstrip().rstrip("- ").rstrip())

    if "estimate" not in skip:
        wall, rss, _ = campaign(a, w["faults"], os.path.join(a.work, "estimate.csv"), a.estimate_images)
        rate = a.sample * a.estimate_images / wall
        print()
        print("estimate: %d sampled faults x %d images: %.1f s wall, %.0f fault-images/s, peak RSS %.0f MiB; "
              "full list %d faults x 10,000 images: %.1f min" % (
                  a.sample, a.estimate_images, wall, rate, rss, len(rows), len(rows) * 10000 / rate / 60))


if __name__ == "__main__":
    main()
