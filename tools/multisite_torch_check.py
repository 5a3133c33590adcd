#!/usr/bin/python3
"""Multi-bit and multi-site weight faults (issue 17) against PyTorch.

faultbench draws the lists (`faultbench faultlist --bits-per-fault 2 --adjacent` and
`--sites-per-fault 3`, --count FAULTS --seed SEED) and runs them (`faultbench campaign
--images IMAGES`, fast mode); PyTorch applies every site of a fault (the rows sharing its
Injection id; bit flip or stuck-at, as the FaultModel column says) by editing the model's
state dict, runs the network on the same images (their indices from `faultbench eval
--images IMAGES --logits`), classifies as faultbench does (masked: logits bitwise golden
and no NaN; critical: top-1 differs; the rest non-critical; due: a NaN/Inf logit) and
restores the weights. Prints, per list, how many faults differ per column and the largest
and mean absolute differences; exits 1 when a critical count differs.

PyTorch recomputes only what a fault can change: per set of "root" faulty layers (those
not downstream of another faulty layer of the fault) the golden values entering their
downstream cone are computed once and cached (bench/campaign/torch_cached_suffix.py's
split, checked to give the golden logits bit for bit with golden weights), then each
fault runs the cone. The logits are those of a full forward pass (the same PyTorch ops on
the same values); only the time differs.

usage: tools/multisite_torch_check.py [--faultbench build/faultbench] [--data-root ROOT]
           [--faults 100] [--images 1000] [--seed 6] [--threads 2] [--work DIR]
Runs with Debian's torch (/usr/bin/python3). ResNet20 with the published weights.
"""
import argparse
import csv
import os
import subprocess
import sys
import time
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "bench", "campaign"))
import campaign_common as cc  # noqa: E402
import torch_cached_suffix as tcs  # noqa: E402

LISTS = OrderedDict([("2-bit adjacent", ["--bits-per-fault", "2", "--adjacent"]),
                     ("3-site", ["--sites-per-fault", "3"])])
COLUMNS = ["masked", "non_critical", "critical", "due", "top1_correct"]


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise SystemExit("%s failed (exit %d):\n%s" % (" ".join(cmd), r.returncode, r.stderr))


def read_rows(path):
    with open(path, newline="") as f:
        return [r for r in csv.DictReader(line for line in f if not line.startswith("#"))]


def read_faults(path):
    """A fault list's faults: lists of sites (layer, index, bit, model), rows grouped by Injection."""
    faults = OrderedDict()
    for r in read_rows(path):
        idx = tuple(int(v) for v in r["TensorIndex"].strip("() ").split(",") if v.strip())
        faults.setdefault(r["Injection"], []).append(
            (r["Layer"], idx, int(r["Bit"]), r.get("FaultModel") or "bitflip"))
    return faults


def apply_sites(sd, sites):
    """Applies the sites to the state dict's weights in place (in list order, as faultbench
    does); returns what restore() needs."""
    saved = []
    for layer, idx, bit, model in sites:
        w = sd[layer + ".weight"]
        flat = w.view(-1).view(torch.int32)
        offset = int(np.ravel_multi_index(idx, tuple(w.shape)))
        saved.append((flat, offset, int(flat[offset])))
        mask = -(1 << 31) if bit == 31 else (1 << bit)
        if model == "bitflip":
            flat[offset] ^= mask
        elif model == "stuck-at-1":
            flat[offset] |= mask
        elif model == "stuck-at-0":
            flat[offset] &= ~mask
        else:
            raise SystemExit("unknown fault model %r" % model)
    return saved


def restore(saved):
    for flat, offset, value in reversed(saved):
        flat[offset] = value


def cones(gm):
    """Per conv/linear module name: the module names downstream of it (itself included)."""
    nodes = [n for n in gm.graph.nodes]
    out = {}
    for n in nodes:
        if n.op != "call_module":
            continue
        down, stack = set(), [n]
        while stack:
            m = stack.pop()
            if m not in down:
                down.add(m)
                stack.extend(m.users)
        out[n.target] = {m.target for m in down if m.op == "call_module"}
    return out


def torch_counts(net, gm, x, labels, faults, batch):
    """Per fault (in list order): cc.Counts of the faulty network on x."""
    sd = net.state_dict()  # shares the parameters' storage: editing it edits the model
    cone = cones(gm)
    groups = OrderedDict()
    for key, sites in faults.items():
        layers = sorted({s[0] for s in sites})
        roots = tuple(sorted(l for l in layers if not any(o != l and l in cone[o] for o in layers)))
        groups.setdefault(roots, []).append(key)
    batches = [(i, min(i + batch, x.shape[0])) for i in range(0, x.shape[0], batch)]
    counts = {}
    with torch.no_grad():
        golden = torch.cat([gm(x[i:j]) for i, j in batches])
        golden_top1 = cc.top1(golden)
        for roots, keys in groups.items():
            prefix, suffix, _ = tcs.split_at(gm, list(roots))
            cached = [prefix(x[i:j]) for i, j in batches]
            again = torch.cat([suffix(*c) for c in cached])
            if not torch.equal(again.view(torch.int32), golden.view(torch.int32)):
                raise SystemExit("%s: the cached suffix with golden weights differs from the golden logits" % (roots,))
            for key in keys:
                saved = apply_sites(sd, faults[key])
                c = cc.Counts()
                for (i, j), f in zip(batches, cached):
                    c.add(golden[i:j], golden_top1[i:j], suffix(*f), labels[i:j])
                restore(saved)
                counts[key] = c
            del cached
        # Every weight is back: the network gives the golden logits again.
        if not torch.equal(torch.cat([gm(x[i:j]) for i, j in batches]).view(torch.int32), golden.view(torch.int32)):
            raise SystemExit("weights not restored")
    return counts, golden_top1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--faultbench", default=os.path.join(HERE, "..", "build", "faultbench"))
    ap.add_argument("--data-root", default=os.environ.get("FAULTBENCH_DATA", os.path.join(HERE, "..", "..", "shared",
                                                                                           "data")))
    ap.add_argument("--faults", type=int, default=100)
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--work", default="/tmp/faultbench-multisite-torch")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    os.makedirs(a.work, exist_ok=True)
    weights = os.path.join(a.data_root, "weights", "cifar10", "ResNet20.th")
    data_dir = os.path.join(a.data_root, "cifar10-jpeg")
    fb = [a.faultbench]
    model = ["--model", "resnet20", "--dataset", "cifar10"]
    inputs = model + ["--weights", weights, "--data-dir", data_dir, "--images", str(a.images), "--threads",
                      str(a.threads)]

    # The images faultbench's --images N draws (stratified, --image-seed 0), and its golden top-1.
    logits_csv = os.path.join(a.work, "golden_logits.csv")
    run(fb + ["eval"] + inputs + ["--logits", logits_csv])
    with open(logits_csv, newline="") as f:
        rows = list(csv.reader(f))[1:]
    idx = torch.tensor([int(r[0]) for r in rows])
    fb_top1 = np.array([np.argmax([float(v) for v in r[2:]]) for r in rows])
    x_all, labels_all = cc.load_images("cifar10", data_dir, 10000)
    x, labels = x_all[idx].contiguous(), labels_all[idx]

    net = cc.load_model("resnet20", "cifar10", weights)
    for m in net.modules():
        if isinstance(m, nn.ReLU):
            m.inplace = False  # no suffix op may overwrite a cached tensor
    gm = tcs.trace(net)
    ok = True
    print("ResNet20, published weights, %d images (faultbench --images %d, stratified), %d faults per list, "
          "seed %d, torch %s" % (len(idx), a.images, a.faults, a.seed, torch.__version__))
    for name, shape in LISTS.items():
        tag = name.replace(" ", "_")
        faults_csv = os.path.join(a.work, tag + ".csv")
        results_csv = os.path.join(a.work, tag + "_RESULTS.csv")
        for p in (results_csv, results_csv + ".journal", results_csv + ".json"):
            if os.path.exists(p):
                os.remove(p)
        run(fb + ["faultlist"] + model + ["--out", faults_csv, "--count", str(a.faults), "--seed", str(a.seed)] + shape)
        t0 = time.perf_counter()
        run(fb + ["campaign"] + inputs + ["--faults", faults_csv, "--out", results_csv])
        t1 = time.perf_counter()
        faults = read_faults(faults_csv)
        counts, golden_top1 = torch_counts(net, gm, x, labels, faults, a.batch)
        t2 = time.perf_counter()
        theirs = {r["Injection"]: r for r in read_rows(results_csv)}
        layers = [len({s[0] for s in sites}) for sites in faults.values()]
        print("\n%s: %d faults (%d rows; sites in 1/2/3 layers: %d/%d/%d); faultbench %.1f s, PyTorch %.1f s" % (
            name, len(faults), sum(len(s) for s in faults.values()), layers.count(1), layers.count(2),
            layers.count(3), t1 - t0, t2 - t1))
        print("  golden top-1: faultbench and PyTorch agree on %d of %d images" % (
            int((golden_top1.numpy() == fb_top1).sum()), len(fb_top1)))
        for col in COLUMNS:
            d = np.array([getattr(counts[k], col) - int(theirs[k][col]) for k in faults])
            print("  %-13s faults differing %3d, max |diff| %3d, mean |diff| %.2f images per fault" % (
                col, int((d != 0).sum()), int(np.abs(d).max()), float(np.abs(d).mean())))
            if col == "critical" and (d != 0).any():
                ok = False
        crit = [int(theirs[k]["critical"]) for k in faults]
        print("  critical images per fault (faultbench): total %d, faults with any %d" % (
            sum(crit), sum(c > 0 for c in crit)))
        fb_masked = sum(int(theirs[k]["masked"]) for k in faults)
        pt_masked = sum(counts[k].masked for k in faults)
        off = sum(abs(counts[k].masked - int(theirs[k]["masked"])) for k in faults)
        print("  masked images: faultbench %d, PyTorch %d; sum of per-fault |diff| %d = %.1f %% of faultbench's" % (
            fb_masked, pt_masked, off, 100.0 * off / max(1, fb_masked)))
        first = [{"Injection": k, "Layer": faults[k][0][0], "TensorIndex": str(faults[k][0][1]),
                  "Bit": faults[k][0][2]} for k in faults]  # a fault's first row, as faultbench writes it
        cc.write_results(os.path.join(a.work, tag + "_torch.csv"), first, [counts[k] for k in faults], len(idx))
    print("\ncritical counts identical for every fault: %s" % ("yes" if ok else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
