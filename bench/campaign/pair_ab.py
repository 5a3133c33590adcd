#!/usr/bin/env python3
"""Paired A/B of two faultbench binaries on one campaign, robust to a shared machine.

Each pair starts both binaries at the same moment with --threads 1 (so both see the same
load from whatever else runs) and compares their CPU time (user + sys of the child, from
wait4) and wall time; the order of the two starts alternates between pairs. Every pair's
RESULTS files must be byte-identical. Prints one line per pair and the medians and the
geometric mean of the speed ratio new/base (above 1: the new binary is faster).

    bench/campaign/pair_ab.py --new build/faultbench --base OLD/faultbench \
        --model resnet20 --faults F.csv --images 400 --pairs 8 [--weights W]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--new", required=True)
    ap.add_argument("--base", required=True)
    ap.add_argument("--model", default="resnet20")
    ap.add_argument("--dataset", default="cifar10")
    ap.add_argument("--faults", required=True, help="fault list CSV")
    ap.add_argument("--images", default="400", help="--first-images of the campaign")
    ap.add_argument("--weights", help="weights file (default: the data root's, as the CLI finds it)")
    ap.add_argument("--pairs", type=int, default=8)
    ap.add_argument("--data-root", default=os.environ.get("FAULTBENCH_DATA", ""))
    args = ap.parse_args()
    for b in (args.new, args.base):
        if not os.access(b, os.X_OK):
            sys.exit("pair_ab.py: %s is not an executable" % b)
    work = tempfile.mkdtemp(prefix="faultbench-pair-ab-")
    bins = {"new": args.new, "base": args.base}
    cpu, wall = [], []
    for i in range(args.pairs):
        procs = {}
        for name in (["new", "base"] if i % 2 == 0 else ["base", "new"]):
            out = os.path.join(work, "%s_%d.csv" % (name, i))
            cmd = [bins[name], "campaign", "--model", args.model, "--dataset", args.dataset,
                   "--faults", args.faults, "--out", out, "--first-images", args.images, "--threads", "1"]
            if args.weights:
                cmd += ["--weights", args.weights]
            if args.data_root:
                cmd += ["--data-dir", os.path.join(args.data_root, "%s-jpeg" % args.dataset)]
            procs[name] = (subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE),
                           time.perf_counter(), out)
        res = {}
        by_pid = {p.pid: name for name, (p, _, _) in procs.items()}
        while by_pid:  # whichever ends first, so that each wall time is its own
            pid, status, usage = os.wait4(-1, 0)
            if pid not in by_pid:
                continue
            name = by_pid.pop(pid)
            p, t0, out = procs[name]
            end = time.perf_counter()
            err = p.stderr.read().decode(errors="replace")
            if os.waitstatus_to_exitcode(status) != 0:
                sys.exit("pair_ab.py: %s failed:\n%s" % (bins[name], err[-2000:]))
            res[name] = (end - t0, usage.ru_utime + usage.ru_stime, out)
        with open(res["new"][2], "rb") as a, open(res["base"][2], "rb") as b:
            if a.read() != b.read():
                sys.exit("pair_ab.py: pair %d: RESULTS files differ (%s, %s)" % (i, res["new"][2], res["base"][2]))
        w, c = res["base"][0] / res["new"][0], res["base"][1] / res["new"][1]
        wall.append(w)
        cpu.append(c)
        print("pair %d: cpu s new %.2f base %.2f, wall s new %.2f base %.2f; speed new/base cpu %.3f wall %.3f;"
              " RESULTS identical" % (i, res["new"][1], res["base"][1], res["new"][0], res["base"][0], c, w), flush=True)
    print("%s: speed new/base over %d pairs: cpu median %.3f geomean %.3f min %.3f max %.3f; wall median %.3f" %
          (args.model, args.pairs, statistics.median(cpu), statistics.geometric_mean(cpu), min(cpu), max(cpu),
           statistics.median(wall)))


if __name__ == "__main__":
    main()
