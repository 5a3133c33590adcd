#!/usr/bin/python3
"""Where the time of a faultbench campaign goes (issue 6).

1. The engine's own profile (`faultbench campaign --profile FILE.json`, fast mode) of one
   campaign: the --sample faults (a seeded sample of the published list's rows, so the
   list's distribution over layers) over --images images. Thread-seconds per faulty
   layer (ms per fault), images found masked before the logits, and each layer's share of
   the full published list (cost per fault x faults of the layer in the list); then
   thread-seconds per recomputed executor step and in the golden passes.
2. Functions: `perf record -e cpu-clock` (software sampling; this VM has no hardware
   counters) over the same campaign, top symbols.
3. Full-list estimate: the --sample faults over --estimate-images images; fault-images/s,
   peak RSS, and the implied time for the whole published list.

usage: profile.py [--model resnet20] [--images 1000] [--sample 100]
                  [--estimate-images 10000] [--skip layers,perf,estimate] [--faultbench build/faultbench]
"""
import argparse
import collections
import csv
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as driver  # noqa: E402


def campaign(a, faults, out, images, prefix=(), suffix=()):
    driver.clean(out)
    cmd = list(prefix) + [a.faultbench, "campaign", "--model", a.model, "--dataset", "cifar10", "--weights", a.weights_path,
                          "--data-dir", a.data_dir, "--faults", faults, "--out", out, "--first-images", str(images),
                          "--threads", str(a.threads)] + list(suffix)
    return driver.run_child(cmd, out + ".log")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="resnet20")
    ap.add_argument("--images", type=int, default=1000)
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
        prof_path = os.path.join(a.work, "profile.json")
        wall, _, _ = campaign(a, w["faults"], os.path.join(a.work, "profile.csv"), a.images,
                              suffix=["--profile", prof_path])
        with open(prof_path) as f:
            prof = json.load(f)
        layers = prof["by_faulty_layer"]
        fault_seconds = sum(l["seconds"] for l in layers)
        list_total = sum(l["seconds"] / l["faults"] * len(by_layer.get(l["layer"], [])) for l in layers)
        print()
        print("Engine profile, %d faults x %d images, %.1f s wall, %d threads: golden passes %.2f thread-s, "
              "fault simulation %.2f thread-s" % (a.sample, a.images, wall, a.threads, prof["golden_seconds"], fault_seconds))
        print()
        print("| faulty layer | faults in sample | faults in published list | ms per fault | fault-images per thread-s "
              "| images dropped before the logits | share of full-list time |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for l in layers:
            per_fault = l["seconds"] / l["faults"]
            n_list = len(by_layer.get(l["layer"], []))
            print("| %s | %d | %d | %.1f | %.0f | %.0f %% | %.1f %% |" % (
                l["layer"], l["faults"], n_list, per_fault * 1e3, l["fault_images"] / max(l["seconds"], 1e-9),
                100.0 * l["dropped_early"] / max(l["fault_images"], 1), 100.0 * per_fault * n_list / max(list_total, 1e-9)))
        layers_missing = [k for k in by_layer if k not in {l["layer"] for l in layers}]
        if layers_missing:
            print("(layers of the list without a sampled fault: %s)" % ", ".join(layers_missing))
        print()
        print("| recomputed step | image runs | thread-s | share of fault simulation |")
        print("|---|---:|---:|---:|")
        for st in prof["by_step"]:
            print("| %s | %d | %.2f | %.1f %% |" % (st["step"], st["image_runs"], st["seconds"],
                                                  100.0 * st["seconds"] / max(fault_seconds, 1e-9)))

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
