#!/usr/bin/env python3
"""Which layers ran on tensor cores (TF32) in the published dnn-benchmarks campaigns.

For every published torch list with result columns in the upstream repository, per conv/linear
layer: the share of faults on fp32 bits 0..11 that are fully masked (masked == n_injections).
TF32 rounds weights to 10 mantissa bits, so in a TF32 layer those flips vanish for every
image; in an fp32 layer they almost never do. Prints the per-layer shares with each layer's
shape (from ../shared/spec/models.json) and how well faultbench's shape rule
(tf32_published_uses_tensor_cores, docs/NUMERICS.md) predicts them.

Usage: tools/tf32_published_evidence.py [--mirror DIR] [--models models.json] [--layers]
Standard library only.
"""
import argparse
import collections
import csv
import io
import json
import os
import subprocess

SKIP = ("CIFAR10/GoogLeNet", "CIFAR10/Mobilenetv2", "GTSRB/DenseNet121")  # shifted / partial results


def uses_tf32(layer):
    """faultbench's rule (src/graph/numerics_graph.cpp), on a models.json layer entry."""
    if layer["type"] != "Conv2d" or layer["groups"] != 1:
        return False
    cin, cout = layer["in_channels"], layer["out_channels"]
    k, s = layer["kernel"][0], layer["stride"][0]
    h, w = layer["input_shape"][1], layer["input_shape"][2]
    if k == 1 and s > 1:
        return False
    if k == 3 and s == 1 and cin == 256 and cout == 256 and h == 8 and w == 8:
        return False
    return (cin >= 32 and cout >= 64) or (cin >= 128 and h <= 8 and w <= 8)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirror", default="/work/.mirror/cad-polito-it+dnn-benchmarks/repo")
    ap.add_argument("--models", default=os.path.join(here, "..", "..", "shared", "spec", "models.json"))
    ap.add_argument("--layers", action="store_true", help="print every layer")
    a = ap.parse_args()
    specs = {(m["dataset"], m["fault_list"]): m for m in json.load(open(a.models))}
    files = subprocess.run(["git", "-C", a.mirror, "ls-tree", "-r", "--name-only", "HEAD"], capture_output=True,
                           text=True, check=True).stdout.split()
    print("| published list | agreeing | disagreeing | ambiguous | agreement |")
    print("|---|---|---|---|---|")
    for f in files:
        if not (f.startswith("torch/") and f.endswith("_FL.csv")):
            continue
        ds, name = f.split("/")[3], f.split("/")[-1]
        if any(f"{ds}/{name}".startswith(s) for s in SKIP):
            continue
        spec = specs.get((ds, name))
        text = subprocess.run(["git", "-C", a.mirror, "show", "HEAD:" + f], capture_output=True, text=True,
                              check=True).stdout
        rows = list(csv.DictReader(io.StringIO(text)))
        if not rows or "masked" not in rows[0] or spec is None:
            continue
        shapes = {l["name"]: l for l in spec["conv_linear_layers"]}
        low = collections.OrderedDict()
        for r in rows:
            if int(r["Bit"]) <= 11:
                t = low.setdefault(r["Layer"], [0, 0])
                t[0] += int(r["masked"]) == int(r["n_injections"])
                t[1] += 1
        ok = bad = amb = 0
        for layer, (masked, n) in low.items():
            share = masked / n
            observed = "T" if share >= 0.99 else ("F" if share <= 0.6 else "?")
            predicted = "T" if uses_tf32(shapes[layer]) else "F"
            if observed == "?":
                amb += n
            elif observed == predicted:
                ok += n
            else:
                bad += n
            if a.layers or (observed != "?" and observed != predicted):
                s = shapes[layer]
                print(f"  {ds}/{name} {layer}: {masked}/{n} = {share:.2f} observed {observed} rule {predicted} "
                      f"({s['type']} {s.get('in_channels', s.get('in_features'))}->"
                      f"{s.get('out_channels', s.get('out_features'))} k{s.get('kernel')} s{s.get('stride')} "
                      f"in {s.get('input_shape')})")
        print(f"| {ds} {name} | {ok} | {bad} | {amb} | {100 * ok / max(ok + bad, 1):.1f} % |")


if __name__ == "__main__":
    main()
