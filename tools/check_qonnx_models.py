#!/usr/bin/python3
"""The ctest onnx.quantized: quantized ONNX models run by faultbench --numerics int8.

Writes the models of tools/qonnx_models.py (one random CNN as QDQ, as QLinearConv /
QLinearMatMul, as QDQ with a Gemm, and as QDQ with a residual Add in fp32) with an npy
dataset, then:
  1. faultbench eval --numerics int8: the logits of each file bitwise equal to the NumPy
     implementation of the ONNX operators' formulas (qonnx_models.reference), so the QDQ
     and the QLinear files give identical logits;
  2. faultbench faultlist --numerics int8 and campaign on the QDQ and the QLinear file:
     fast and brute force, threads 1 and 2: one RESULTS.csv for all eight runs;
  3. every row of that RESULTS.csv against NumPy: the fault's bit flipped in the stored
     int8 code (layer, index of the ONNX initializer), the reference forward, and the
     masked / non-critical / critical / top-1 counts recomputed from its logits.
Exit 77 (ctest: skipped) when python3-onnx or numpy is missing.

usage: check_qonnx_models.py --faultbench BIN --work DIR [--images 16] [--faults 20]
"""
import argparse
import ast
import csv
import os
import shutil
import subprocess
import sys

try:
    import numpy as np
    import onnx  # noqa: F401
except ImportError as e:
    print("skipped: %s (install python3-onnx python3-numpy)" % e)
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qonnx_models as qm  # noqa: E402


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s\nexit %d\n%s%s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
    return r


def read_logits(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    # %.9g round-trips float32 exactly.
    return np.array([[np.float32(v) for v in r[2:]] for r in rows[1:]], dtype=np.float32)


def top1(logits):
    return logits.argmax(1)  # the first of equal maxima, as faultbench's top1_index


def expected_counts(p, images, labels, golden, row, model):
    name = {"conv1": "w1", "convb": "wb", "conv2": "w2", "fc": "w3g" if model == "qdq_gemm" else "w3"}[row["Layer"]]
    index = ast.literal_eval(row["TensorIndex"])
    index = tuple(index[:p[name].ndim])  # faultbench pads the index to four entries
    faulty = dict(p)
    faulty[name] = p[name].copy()
    code = faulty[name][index].view(np.uint8) ^ np.uint8(1 << int(row["Bit"]))
    faulty[name][index] = code.view(np.int8)
    got = qm.reference(model, faulty, images)
    equal = (got.view(np.uint32) == golden.view(np.uint32)).all(1)
    same_top = top1(got) == top1(golden)
    return [int(equal.sum()), int((~equal & same_top).sum()), int((~equal & ~same_top).sum()), 0,
            int((top1(got) == labels).sum())]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faultbench", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--images", type=int, default=16)
    ap.add_argument("--faults", type=int, default=20)
    a = ap.parse_args()
    fb, w = a.faultbench, a.work
    shutil.rmtree(w, ignore_errors=True)
    run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "qonnx_models.py"), "--out", w,
         "--images", str(a.images)])
    data = os.path.join(w, "data")
    images, labels = np.load(os.path.join(data, "images.npy")), np.load(os.path.join(data, "labels.npy"))
    p = qm.make_params(images, 0)
    failed = 0

    def report(ok, what):
        nonlocal failed
        failed += not ok
        print("%-4s %s" % ("ok" if ok else "FAIL", what), flush=True)

    for name in qm.MODELS:
        out = os.path.join(w, name + ".logits.csv")
        run([fb, "eval", "--model", os.path.join(w, name + ".onnx"), "--dataset", "npy", "--data-dir", data,
             "--numerics", "int8", "--threads", "2", "--logits", out])
        got, ref = read_logits(out), np.load(os.path.join(w, name + ".logits.npy"))
        same = got.shape == ref.shape and (got.view(np.uint32) == ref.view(np.uint32)).all()
        report(same, "%s: int8 logits of %d images bitwise equal to NumPy's ONNX formulas" % (name, len(ref)))

    results = {}
    for name in qm.MODELS:
        model = os.path.join(w, name + ".onnx")
        fl = os.path.join(w, name + ".faults.csv")
        run([fb, "faultlist", "--model", model, "--dataset", "npy", "--numerics", "int8", "--count", str(a.faults),
             "--seed", "3", "--out", fl])
        runs = (("fast", 2), ("fast", 1), ("brute-force", 1), ("brute-force", 2)) if name in ("qdq", "qlinear") \
            else (("fast", 2),)
        for mode, threads in runs:
            res = os.path.join(w, "%s-%s-%d" % (name, mode, threads), "RESULTS.csv")
            run([fb, "campaign", "--model", model, "--dataset", "npy", "--data-dir", data, "--numerics", "int8",
                 "--faults", fl, "--out", res, "--mode", mode, "--threads", str(threads)])
            with open(res, "rb") as f:
                results[(name, mode, threads)] = f.read()
        golden = qm.reference(name, p, images)
        with open(os.path.join(w, "%s-fast-2" % name, "RESULTS.csv")) as f:
            rows = list(csv.DictReader(f))
        bad = [r["Injection"] for r in rows
               if [int(r[k]) for k in ("masked", "non_critical", "critical", "due", "top1_correct")] !=
               expected_counts(p, images, labels, golden, r, name)]
        layers = sorted({r["Layer"] for r in rows})
        report(not bad, "%s: %d faults (layers %s): counts equal to NumPy's with the int8 code's bit flipped%s" %
               (name, len(rows), ", ".join(layers), "" if not bad else " (differ: %s)" % bad))
    first = results[("qdq", "fast", 2)]
    same = [k for k in results if k[0] in ("qdq", "qlinear") and results[k] == first]
    report(len(same) == 8, "qdq and qlinear, fast and brute force, threads 1 and 2: %d of 8 RESULTS.csv identical" %
           len(same))
    print("%d checks failed" % failed)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
