#!/usr/bin/python3
"""The ctest onnx.models: ONNX models that are not in the zoo, imported and run by faultbench.

Generates with tools/onnx_models.py (into --work) the six non-zoo CNNs and the tf2onnx-style
NHWC graph (opset 13, and mobilenetv3 again at opset 17, where
HardSwish is an op of its own), each with an npy dataset and PyTorch's fp32 logits; then for
each model:
  1. faultbench eval --model M.onnx --dataset npy: logits within 1e-5 x the reference logits'
     range (max - min over the set) of PyTorch's, and the same top-1 for every image;
  2. faultbench faultlist + campaign on a few images: fast mode with 2 threads, fast with 1
     and brute force with 1 and 2 write byte-identical RESULTS.csv.
Exit 77 (ctest: skipped) when python3-torch, python3-onnx or numpy is missing.

usage: check_onnx_models.py --faultbench BIN --work DIR [--images 32] [--campaign-images 6] [--faults 12]
                            [--only NAME ...] [--zoo MODEL/DATASET ... | --zoo all]
"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys

try:
    import numpy as np
    import onnx  # noqa: F401
    import torch  # noqa: F401
except ImportError as e:
    print("skipped: %s (install python3-torch python3-onnx python3-numpy)" % e)
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError("%s\nexit %d\n%s%s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
    return r


def read_logits(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    return np.array([[float(v) for v in r[2:]] for r in rows[1:]], dtype=np.float64)


def check_model(fb, work, entry, images, faults):
    d = os.path.join(work, entry["name"])
    model = os.path.join(work, entry["onnx"])
    ref = np.load(os.path.join(d, "logits.npy")).astype(np.float64)
    out = os.path.join(d, "run")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    run([fb, "eval", "--model", model, "--dataset", "npy", "--data-dir", d, "--threads", "2", "--logits",
         os.path.join(out, "logits.csv")])
    got = read_logits(os.path.join(out, "logits.csv"))
    if got.shape != ref.shape:
        return "logits of shape %s, PyTorch's %s" % (got.shape, ref.shape)
    span = float(ref.max() - ref.min())
    err = float(np.abs(got - ref).max())
    if err > 1e-5 * span:
        return "max |logit - PyTorch's| = %.3g > 1e-5 x range %.3g" % (err, span)
    top_got, top_ref = got.argmax(1), ref.argmax(1)
    if (top_got != top_ref).any():
        return "top-1 differs on images %s" % np.nonzero(top_got != top_ref)[0].tolist()

    fl = os.path.join(out, "faults.csv")
    run([fb, "faultlist", "--model", model, "--dataset", "npy", "--count", str(faults), "--seed", "7", "--out", fl])
    results = {}
    for mode, threads in (("fast", 2), ("fast", 1), ("brute-force", 1), ("brute-force", 2)):
        res = os.path.join(out, "%s-%d" % (mode, threads), "RESULTS.csv")
        os.makedirs(os.path.dirname(res))
        run([fb, "campaign", "--model", model, "--dataset", "npy", "--data-dir", d, "--faults", fl, "--out", res,
             "--first-images", str(images), "--mode", mode, "--threads", str(threads)])
        with open(res, "rb") as f:
            results[(mode, threads)] = f.read()
    first = results[("fast", 2)]
    for key, value in results.items():
        if value != first:
            return "RESULTS.csv of %s threads %d differs from fast threads 2" % key
    return "ok: max |diff| %.2g (range %.3g), %d faults x %d images, fast == brute force" % (err, span, faults,
                                                                                           images)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faultbench", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--images", type=int, default=32)
    ap.add_argument("--campaign-images", type=int, default=6)
    ap.add_argument("--faults", type=int, default=12)
    ap.add_argument("--only", nargs="*", default=[])
    ap.add_argument("--zoo", nargs="*", default=[], help="also zoo exports (MODEL/DATASET or all), for longer runs")
    a = ap.parse_args()
    gen = [sys.executable, os.path.join(HERE, "onnx_models.py"), "--images", str(a.images)]
    run(gen + ["--out", a.work, "--custom", "all", "--tf2onnx", "--opset", "13"])
    run(gen + ["--out", os.path.join(a.work, "opset17"), "--custom", "mobilenetv3", "--opset", "17"])
    subs = [a.work, os.path.join(a.work, "opset17")]
    if a.zoo:
        run(gen + ["--out", os.path.join(a.work, "zoo"), "--zoo"] + a.zoo)
        subs.append(os.path.join(a.work, "zoo"))
    entries = []
    for sub in subs:
        with open(os.path.join(sub, "manifest.json")) as f:
            entries += [(sub, e) for e in json.load(f)]
    failed = checked = 0
    for sub, e in entries:
        label = "%s (opset %d)" % (e["name"], e["opset"])
        if a.only and e["name"] not in a.only:
            continue
        try:
            verdict = check_model(a.faultbench, sub, e, a.campaign_images, a.faults)
        except RuntimeError as err:
            verdict = "FAILED: %s" % err
        checked += 1
        ok = verdict.startswith("ok")
        failed += not ok
        print("%-28s %s" % (label, verdict), flush=True)
    print("%d of %d models failed" % (failed, checked))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
