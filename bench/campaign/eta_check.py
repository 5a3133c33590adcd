#!/usr/bin/env python3
"""How good is the campaign's ETA? Runs a campaign on a pseudo-terminal (so the live line is
drawn), then prints, second by second, the ETA it showed, the ETA a plain rate would have
shown (elapsed x work left / work done) and the time that actually remained.

usage: eta_check.py --faultbench build/faultbench --data-root DIR [--every 50] [--images 300]
       [--fault-batch 10]
The fault list is every N-th row of the published ResNet20 list, in its order (layer by
layer, as the published lists run)."""
import argparse, os, re, subprocess, tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--faultbench", default="build/faultbench")
    ap.add_argument("--data-root", default=os.environ.get("FAULTBENCH_DATA", ""))
    ap.add_argument("--every", type=int, default=50)
    ap.add_argument("--images", type=int, default=300)
    ap.add_argument("--fault-batch", type=int, default=10)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="fb-eta-")
    pub = os.path.join(a.data_root, "faultlists/torch/CIFAR10/ResNet20_FL.csv")
    lines = open(pub).read().splitlines(True)
    faults = os.path.join(work, "faults.csv")
    with open(faults, "w") as f:
        f.write(lines[0] + "".join(lines[1::a.every]))
    cmd = [a.faultbench, "campaign", "--model", "resnet20", "--dataset", "cifar10", "--data-dir", a.data_root,
           "--faults", faults, "--first-images", str(a.images), "--threads", "1", "--fault-batch",
           str(a.fault_batch), "--out", os.path.join(work, "R.csv")]
    out = subprocess.run(["script", "-qc", " ".join(cmd), "/dev/null"], capture_output=True, text=True).stdout
    rows = []
    for line in out.replace("\r", "\n").splitlines():
        m = re.search(r"(\d+)%.*\[(\d+):(\d+)<(\d+):(\d+),", line)
        if m:
            rows.append((int(m[2]) * 60 + int(m[3]), int(m[1]), int(m[4]) * 60 + int(m[5])))
    total = max(r[0] for r in rows) + 1
    print(f"{len(lines[1::a.every])} faults x {a.images} images, about {total} s")
    print("elapsed  done  ETA shown  plain-rate ETA  actually left")
    seen = set()
    for el, pct, eta in rows:
        if el in seen or pct == 0:
            continue
        seen.add(el)
        print(f"{el:6d}s {pct:4d}% {eta:9d}s {el * (100 - pct) / pct:14.1f}s {total - el:13d}s")


if __name__ == "__main__":
    main()
