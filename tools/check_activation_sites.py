#!/usr/bin/python3
"""Checks faultbench's activation fault sites (`faultbench models --layers M --dataset D
--target activations`) against the PyTorch reference models (tools/reference_models.py):
for every zoo pair, the sites must be exactly the Conv2d, Linear, ReLU and ReLU6 modules,
in the same order, each run exactly once per forward (a module called twice would be hooked
twice: its name would not name one value).

usage: check_activation_sites.py [--faultbench build/faultbench]     (exit 1 on a mismatch)
"""
import argparse
import os
import subprocess
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference_models  # noqa: E402

KINDS = (nn.Conv2d, nn.Linear, nn.ReLU, nn.ReLU6)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--faultbench", default=os.path.join(HERE, "..", "build", "faultbench"))
    a = ap.parse_args()
    zoo = subprocess.run([a.faultbench, "models"], capture_output=True, text=True, check=True).stdout.splitlines()[1:]
    bad = 0
    for line in zoo:
        dataset, model = line.split()[:2]
        net = reference_models.build(model, dataset).eval()
        ref = [n for n, m in net.named_modules() if isinstance(m, KINDS)]
        calls = {n: 0 for n in ref}
        for n in ref:
            net.get_submodule(n).register_forward_hook(lambda mod, i, o, n=n: calls.__setitem__(n, calls[n] + 1))
        size = reference_models.INPUT_SIZE[dataset]
        with torch.no_grad():
            net(torch.zeros(1, 3, size, size))
        out = subprocess.run([a.faultbench, "models", "--layers", model, "--dataset", dataset, "--target", "activations"],
                             capture_output=True, text=True, check=True).stdout.splitlines()[2:-1]
        ours = [l.split()[0] for l in out]
        twice = [n for n, c in calls.items() if c != 1]
        ok = ours == ref and not twice
        bad += not ok
        print("%-8s %-12s %4d sites: %s%s" % (dataset, model, len(ours), "same modules, same order" if ours == ref else
                                            "DIFFER (ours - torch: %s; torch - ours: %s)" % (
                                                sorted(set(ours) - set(ref))[:3], sorted(set(ref) - set(ours))[:3]),
                                            "; modules run other than once: %s" % twice[:3] if twice else ""))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
