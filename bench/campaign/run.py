#!/usr/bin/python3
"""Campaign speed benchmark (issue 6): ONE invocation runs the same faults and the same
images through four campaign implementations on this machine and prints a table.

  torch_reference      PyTorch, per fault: flip, full forward in batches of 64, restore
  torch_cached_suffix  PyTorch, golden activations at the faulty layer cached, suffix only, batch 1000
  faultbench_fast      faultbench campaign (fast mode)
  faultbench_brute     faultbench campaign --mode brute-force
  faultbench_baseline  (with --baseline OLD_BINARY) the fast mode of another faultbench build
  faultbench_onnx      (with --onnx) the fast mode on the workload's model exported to ONNX
                       (tools/export_onnx.py, unfolded) and imported with the same --weights:
                       its rate over faultbench_fast's (the built-in model) in the same invocation,
                       and its RESULTS byte-identical to the built-in model's
  faultbench_<format>  (with --numerics tf32,tf32-published,bf16,fp16,int8) the fast mode with
                       --numerics <format>, reported as its rate over faultbench_fast's (fp32)
                       in the same invocation; 16-bit formats run the same rows with bit % 16,
                       int8 with bit % 8

A/B mode (--baseline PATH): the tool faultbench_baseline runs PATH's fast mode on the same
faults and images, interleaved with faultbench_fast within every rep (ABAB...), so that
load changes hit both alike; the report adds the ratio new/baseline of the median rates
per workload (> 1: the current build is faster) and checks that both write byte-identical
RESULTS files (comment lines aside).

Workloads (CIFAR-10, the first N test images of --data-dir): resnet20 with the real
weights; vgg11_bn and densenet121 with seeded random weights (make_random_weights.py).
Faults: a seeded random sample of rows of the published list (same distribution over
layers as the list), written in list order. With --bits-per-fault K [--adjacent] or
--sites-per-fault M [--same-layer] (issue 17): a list of that many multi-bit / multi-site
faults drawn by `faultbench faultlist --count FAULTS --seed SEED`; torch_reference flips every
site of a fault (torch_cached_suffix, single sites only, is left out). With --target
activations (issue 17 item 2): a list of transient activation faults drawn by `faultbench
faultlist --target activations --count FAULTS --seed SEED`, run by faultbench with --target
activations; torch_reference is then tools/activation_faults_torch.py (PyTorchFI's method:
a forward hook flips the value in every batch of 64, full forward per fault) and
torch_cached_suffix is left out.

Rates are fault-images/s = faults x images / wall time of the whole process (start,
loading, golden pass and all faults), median/min/max over --reps runs; runs of the four
tools are interleaved so that load changes hit them alike. Peak RSS is the child's
ru_maxrss (wait4). Checks: faultbench fast == brute-force on every column of every fault
in every run; PyTorch's per-fault critical counts against faultbench's: max and mean
absolute difference and correlation.

usage: run.py [--workloads resnet20,vgg11_bn,densenet121] [--faults 100 | resnet20=100,vgg11_bn=20]
              [--images 1000 | model=N,...] [--reps 3] [--tools ...] [--threads 2]
              [--faultbench build/faultbench] [--baseline OLD/faultbench] [--weights model=PATH,...]
              [--work DIR] [--estimate] [--json OUT] [--numerics tf32,tf32-published,bf16,fp16,int8]
  A/B:  run.py --workloads resnet20 --faults 40 --images 400 --reps 3 --baseline ../base/build/faultbench
        (--tools defaults to faultbench_fast,faultbench_baseline then)
"""
import argparse
import csv
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
TOOLS = ["torch_reference", "torch_cached_suffix", "faultbench_fast", "faultbench_brute"]
BASELINE = "faultbench_baseline"
ONNX = "faultbench_onnx"
NUMERICS = ["tf32", "tf32-published", "bf16", "fp16", "int8"]  # faultbench --numerics (docs/NUMERICS.md)


def numerics_tool(n):
    return "faultbench_" + n.replace("-", "_")


NUMERICS_TOOLS = {numerics_tool(n): n for n in NUMERICS}
LISTS = {"resnet20": "ResNet20_FL.csv", "vgg11_bn": "Vgg11_bn_FL.csv", "densenet121": "DenseNet121_FL.csv"}
REAL_WEIGHTS = {"resnet20": "weights/cifar10/ResNet20.th"}


def per_model(spec, model, cast=int):
    """'100' or 'resnet20=100,vgg11_bn=20' (models not named take the bare default if any)."""
    default = None
    for part in str(spec).split(","):
        if "=" in part:
            k, v = part.split("=", 1)
            if k.strip() == model:
                return cast(v)
        elif part.strip():
            default = cast(part)
    if default is None:
        raise SystemExit("no value for %s in '%s'" % (model, spec))
    return default


def sample_faults(published, n, seed, out):
    with open(published, newline="") as f:
        rows = list(csv.DictReader(f))
    picked = sorted(random.Random(seed).sample(range(len(rows)), min(n, len(rows))))
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["Injection", "Layer", "TensorIndex", "Bit"])
        for i in picked:
            r = rows[i]
            w.writerow([r["Injection"], r["Layer"], r["TensorIndex"], r["Bit"]])
    return [rows[i]["Layer"] for i in picked]


def read_results(path):
    """{Injection: (masked, non_critical, critical, due, top1_correct)}; '#' lines skipped."""
    with open(path, newline="") as f:
        lines = [l for l in f if not l.startswith("#")]
    out = {}
    for r in csv.DictReader(lines):
        out[r["Injection"]] = tuple(int(r[k]) for k in ("masked", "non_critical", "critical", "due", "top1_correct"))
    return out


def run_child(cmd, log):
    """Runs cmd; returns (wall seconds, peak RSS MiB, CPU seconds (user+sys) of the child)."""
    with open(log, "w") as lf:
        start = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=lf, stderr=subprocess.STDOUT, cwd=HERE)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.stderr.write(open(log).read()[-3000:])
        raise SystemExit("failed (%d): %s" % (p.returncode, " ".join(cmd)))
    return wall, ru.ru_maxrss / 1024.0, ru.ru_utime + ru.ru_stime


def tool_cmd(tool, a, w, out):
    py = ["/usr/bin/python3"]
    common = ["--model", w["model"], "--weights", w["weights"], "--data-dir", a.data_dir,
              "--faults", w["faults"], "--out", out, "--images", str(w["images"]), "--threads", str(a.threads)]
    if tool == "torch_reference" and a.target == "activations":
        return py + [os.path.join(ROOT, "tools", "activation_faults_torch.py"), "--batch", "64"] + common
    if tool == "torch_reference":
        return py + [os.path.join(HERE, "torch_reference.py")] + common
    if tool == "torch_cached_suffix":
        return py + [os.path.join(HERE, "torch_cached_suffix.py")] + common
    # The PyTorch tools take the first N images of the file; faultbench's --images would draw
    # a stratified sample, so it is told --first-images to run the same images.
    binary = a.baseline if tool == BASELINE else a.faultbench
    if tool == ONNX:  # the same weights, replacing the exported file's initializers by name
        common = [w["onnx"] if c == w["model"] else c for c in common]
    numerics = NUMERICS_TOOLS.get(tool)
    if numerics in ("bf16", "fp16"):
        common = [w["faults16"] if c == w["faults"] else c for c in common]
    if numerics == "int8":  # int8 weights have bits 0..7
        common = [w["faults8"] if c == w["faults"] else c for c in common]
    fb = [binary, "campaign", "--dataset", "cifar10"] + [
        "--first-images" if c == "--images" else c for c in common]
    if numerics:
        fb += ["--numerics", numerics]
    if a.target == "activations":
        fb += ["--target", "activations"]
    return fb + (["--mode", "brute-force"] if tool == "faultbench_brute" else [])


def clean(out):
    for p in (out, out + ".journal", out + ".json"):
        if os.path.exists(p):
            os.remove(p)


def corr(xs, ys):
    if len(xs) < 2:
        return float("nan")
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sx = math.sqrt(sum((x - mx) ** 2 for x in xs))
    sy = math.sqrt(sum((y - my) ** 2 for y in ys))
    if sx == 0 or sy == 0:
        return 1.0 if xs == ys else float("nan")
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / (sx * sy)


def load():
    return os.getloadavg()[0]


def prepare(a, model):
    w = {"model": model, "faults_n": per_model(a.faults, model), "images": per_model(a.images, model)}
    given = dict(part.split("=", 1) for part in a.weights.split(",") if "=" in part)
    if model in given:
        w["weights"] = os.path.abspath(given[model])
        w["weights_kind"] = "given: %s" % os.path.basename(w["weights"])
    elif model in REAL_WEIGHTS:
        w["weights"] = os.path.join(a.data_root, REAL_WEIGHTS[model])
        w["weights_kind"] = "published"
    else:
        w["weights"] = os.path.join(a.work, "%s_random_seed0.pt" % model)
        w["weights_kind"] = "random (seed 0)"
        if not os.path.exists(w["weights"]):
            subprocess.check_call(["/usr/bin/python3", os.path.join(HERE, "make_random_weights.py"),
                                   "--model", model, "--out", w["weights"], "--seed", "0"], cwd=HERE)
    w["faults"] = os.path.join(a.work, "%s_faults%d_seed%d.csv" % (model, w["faults_n"], a.seed))
    if multi_shape(a):
        w["faults"] = os.path.join(a.work, "%s_faults%d_seed%d_%s.csv" % (
            model, w["faults_n"], a.seed, "_".join(multi_shape(a)).replace("--", "")))
        layers = draw_multi_faults(a, model, w["faults_n"], w["faults"])
        w["shape"] = " ".join(multi_shape(a))
    else:
        layers = sample_faults(os.path.join(a.data_root, "faultlists/torch/CIFAR10", LISTS[model]),
                               w["faults_n"], a.seed, w["faults"])
    w["layers"] = len(set(layers))
    write_bits16(w)
    write_bits16(w, 8)
    if a.onnx:
        folder = os.path.join(a.work, "%s_cifar10_onnx" % model)  # export_onnx.py writes model.onnx there
        w["onnx"] = os.path.join(folder, "model.onnx")
        if not os.path.exists(w["onnx"]):
            subprocess.check_call(["/usr/bin/python3", os.path.join(ROOT, "tools", "export_onnx.py"), "--model", model,
                                   "--dataset", "cifar10", "--out", folder], stderr=subprocess.DEVNULL)
    return w


def multi_shape(a):
    """The faultlist options of a multi-bit / multi-site or activation workload (issue 17), or []."""
    shape = ["--target", "activations"] if a.target == "activations" else []
    if a.bits_per_fault > 1:
        shape += ["--bits-per-fault", str(a.bits_per_fault)] + (["--adjacent"] if a.adjacent else [])
    if a.sites_per_fault > 1:
        shape += ["--sites-per-fault", str(a.sites_per_fault)] + (["--same-layer"] if a.same_layer else [])
    return shape


def draw_multi_faults(a, model, n, out):
    """n multi-bit / multi-site faults drawn by `faultbench faultlist` (seed a.seed); their rows' layers."""
    for p in (out, out + ".json"):
        if os.path.exists(p):
            os.remove(p)
    subprocess.check_call([a.faultbench, "faultlist", "--model", model, "--dataset", "cifar10", "--out", out,
                           "--count", str(n), "--seed", str(a.seed)] + multi_shape(a),
                          stderr=subprocess.DEVNULL)
    with open(out, newline="") as f:
        return [r["Layer"] for r in csv.DictReader(f)]


def write_bits16(w, bits=16):
    """The 16-bit formats have bits 0..15: w["faults16"] holds the rows of w["faults"] with bit % 16
    (bits=8: w["faults8"], for int8)."""
    key = "faults%d" % bits
    w[key] = w["faults"][:-4] + "_bits%d.csv" % bits
    with open(w["faults"], newline="") as f, open(w[key], "w", newline="") as g:
        out = csv.writer(g, lineterminator="\n")
        for i, r in enumerate(csv.reader(f)):
            out.writerow(r if i == 0 else r[:3] + [str(int(r[3]) % bits)])


def result_bytes(path):
    """The RESULTS file without its comment lines (they name the binary's version)."""
    with open(path, "rb") as f:
        return b"".join(l for l in f if not l.startswith(b"#"))


def check(w, results, outputs):
    """Exactness and agreement checks over all runs' per-fault results."""
    msgs, ok = [], True
    fast, brute = results.get("faultbench_fast", []), results.get("faultbench_brute", [])
    fb_runs = fast + brute + results.get(BASELINE, [])
    if fb_runs:
        same = all(r == fb_runs[0] for r in fb_runs)
        ok &= same
        msgs.append("faultbench fast == brute-force%s, all columns, all %d runs: %s" % (
            " == baseline" if BASELINE in results else "", len(fb_runs), "yes" if same else "NO"))
    if outputs.get(BASELINE) and outputs.get("faultbench_fast"):
        files = outputs["faultbench_fast"] + outputs[BASELINE]
        same = all(result_bytes(f) == result_bytes(files[0]) for f in files)
        ok &= same
        msgs.append("RESULTS files of faultbench_fast and %s byte-identical (comment lines aside), %d files: %s"
                    % (BASELINE, len(files), "yes" if same else "NO"))
    if outputs.get(ONNX) and outputs.get("faultbench_fast"):
        files = outputs["faultbench_fast"] + outputs[ONNX]
        same = all(result_bytes(f) == result_bytes(files[0]) for f in files)
        ok &= same
        msgs.append("RESULTS files of the built-in model and its ONNX import byte-identical (comment lines aside), "
                    "%d files: %s" % (len(files), "yes" if same else "NO"))
    for tool, n in NUMERICS_TOOLS.items():
        runs = results.get(tool, [])
        if runs:
            stable = all(r == runs[0] for r in runs)
            ok &= stable
            msgs.append("--numerics %s: the same counts in all %d runs: %s" % (n, len(runs), "yes" if stable else "NO"))
    base = fb_runs[0] if fb_runs else None
    for tool in ("torch_reference", "torch_cached_suffix"):
        runs = results.get(tool, [])
        if not runs:
            continue
        stable = all(r == runs[0] for r in runs)
        if base is None:
            continue
        keys = sorted(base, key=int)
        d = [abs(runs[0][k][2] - base[k][2]) for k in keys]
        c = corr([float(runs[0][k][2]) for k in keys], [float(base[k][2]) for k in keys])
        masked_d = statistics.fmean(abs(runs[0][k][0] - base[k][0]) for k in keys)
        within = statistics.fmean(d) <= 1.0
        ok &= within
        msgs.append("%s vs faultbench critical: max |diff| %d, mean |diff| %.3f, corr %.6f (masked mean |diff| %.2f)%s%s"
                    % (tool, max(d), statistics.fmean(d), c, masked_d, "" if stable else "; NOT stable across runs",
                       "" if within else "; OUTSIDE tolerance (mean |diff| > 1)"))
    return ok, msgs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workloads", default="resnet20,vgg11_bn,densenet121")
    ap.add_argument("--faults", default="100")
    ap.add_argument("--images", default="1000")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--tools", help="comma-separated (default: all four; with --baseline: faultbench_fast,%s)" % BASELINE)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=6, help="seed of the fault sample (random.Random(seed).sample)")
    ap.add_argument("--faultbench", default=os.path.join(ROOT, "build", "faultbench"))
    ap.add_argument("--baseline", help="another faultbench binary: adds the tool %s (its fast mode), "
                    "interleaved with faultbench_fast, and the ratio new/baseline per workload" % BASELINE)
    ap.add_argument("--weights", default="",
                    help="model=PATH,...: these weights instead of the published or made ones (e.g. where PyTorch "
                    "is missing: make_random_weights.py needs it)")
    ap.add_argument("--data-root", default=os.environ.get("FAULTBENCH_DATA", os.path.join(ROOT, "..", "shared", "data")))
    ap.add_argument("--work", default="/tmp/faultbench-campaign-bench")
    ap.add_argument("--estimate", action="store_true",
                    help="one run of each tool on min(5, faults) faults; print the predicted total time and stop")
    ap.add_argument("--json", help="write all measurements here")
    ap.add_argument("--bits-per-fault", type=int, default=1,
                    help="K > 1: a K-bit list drawn by faultbench faultlist --count FAULTS --seed SEED (issue 17)")
    ap.add_argument("--adjacent", action="store_true", help="with --bits-per-fault: consecutive bits")
    ap.add_argument("--sites-per-fault", type=int, default=1, help="M > 1: an M-site list drawn by faultbench faultlist")
    ap.add_argument("--same-layer", action="store_true", help="with --sites-per-fault: the sites in one layer")
    ap.add_argument("--target", choices=["weights", "activations"], default="weights",
                    help="activations: a list of transient activation faults drawn by faultbench faultlist --target "
                    "activations; the PyTorch reference applies them with forward hooks (issue 17)")
    ap.add_argument("--onnx", action="store_true",
                    help="adds faultbench_onnx: the workload's model exported to ONNX, imported, fast mode "
                    "(reported as a ratio to faultbench_fast, the built-in model)")
    ap.add_argument("--numerics", default="",
                    help="comma-separated formats (%s): adds faultbench_<format> (fast mode), reported as a ratio "
                    "to faultbench_fast (fp32)" % ",".join(NUMERICS))
    a = ap.parse_args()
    a.data_dir = os.path.join(a.data_root, "cifar10-jpeg")
    a.faultbench = os.path.abspath(a.faultbench)
    if a.tools is None:
        a.tools = ",".join(["faultbench_fast", BASELINE] if a.baseline else TOOLS)
        if multi_shape(a):  # the cached-suffix tool caches one faulty layer's input: single sites only
            a.tools = ",".join(t for t in a.tools.split(",") if t != "torch_cached_suffix")
    tools = [t for t in a.tools.split(",") if t]
    if multi_shape(a) and "torch_cached_suffix" in tools:
        raise SystemExit("torch_cached_suffix runs single-site lists only (drop it from --tools)")
    if a.baseline:
        a.baseline = os.path.abspath(a.baseline)
        if not os.access(a.baseline, os.X_OK):
            raise SystemExit("%s: --baseline is not an executable" % a.baseline)
        if BASELINE not in tools:
            tools.append(BASELINE)
        if "faultbench_fast" not in tools:
            tools.insert(0, "faultbench_fast")
    elif BASELINE in tools:
        raise SystemExit("tool %s needs --baseline PATH" % BASELINE)
    for n in [n for n in a.numerics.split(",") if n]:
        if n not in NUMERICS:
            raise SystemExit("unknown --numerics %s (known: %s)" % (n, ",".join(NUMERICS)))
        if "faultbench_fast" not in tools:
            tools.insert(0, "faultbench_fast")
        tools.append(numerics_tool(n))
    if a.onnx:
        if "faultbench_fast" not in tools:
            tools.insert(0, "faultbench_fast")
        if ONNX not in tools:
            tools.append(ONNX)
    elif ONNX in tools:
        raise SystemExit("tool %s needs --onnx" % ONNX)
    unknown = [t for t in tools if t not in TOOLS + [BASELINE, ONNX] + list(NUMERICS_TOOLS)]
    if unknown:
        raise SystemExit("unknown tools: %s (known: %s)" % (",".join(unknown), ",".join(TOOLS + [BASELINE])))
    if any(t.startswith("faultbench") and t != BASELINE for t in tools) and not os.access(a.faultbench, os.X_OK):
        raise SystemExit("%s: not built (cmake --build build --target faultbench), or pass --faultbench" % a.faultbench)
    os.makedirs(a.work, exist_ok=True)

    print("machine: %s, %d CPUs, load %.2f at start; threads %d" % (os.uname().nodename, os.cpu_count(), load(), a.threads))
    if a.baseline:
        print("A/B: faultbench_fast = %s, %s = %s" % (a.faultbench, BASELINE, a.baseline))
    report, all_ok, predicted = [], True, 0.0
    for model in [m for m in a.workloads.split(",") if m]:
        w = prepare(a, model)
        if a.estimate:
            full = w["faults_n"]
            w["faults_n"] = min(5, full)
            w["faults"] = os.path.join(a.work, "%s_faults%d_seed%d.csv" % (model, w["faults_n"], a.seed))
            if multi_shape(a):
                draw_multi_faults(a, model, w["faults_n"], w["faults"])
            else:
                sample_faults(os.path.join(a.data_root, "faultlists/torch/CIFAR10", LISTS[model]), w["faults_n"],
                              a.seed, w["faults"])
                write_bits16(w)
                write_bits16(w, 8)
            for tool in tools:
                out = os.path.join(a.work, "%s_%s_est.csv" % (model, tool))
                clean(out)
                wall, _, _ = run_child(tool_cmd(tool, a, w, out), out + ".log")
                est = wall * full / w["faults_n"] * a.reps
                predicted += est
                print("estimate %-12s %-20s %d faults x %d images: %.0f s per run -> %d runs of %d faults: ~%.0f s"
                      % (model, tool, w["faults_n"], w["images"], wall, a.reps, full, est), flush=True)
            continue
        rates, rss, results, loads = {t: [] for t in tools}, {t: 0.0 for t in tools}, {t: [] for t in tools}, []
        cpu_rates, outputs = {t: [] for t in tools}, {t: [] for t in tools}
        work_units = w["faults_n"] * w["images"]
        for rep in range(a.reps):
            for tool in tools:
                out = os.path.join(a.work, "%s_%s_rep%d.csv" % (model, tool, rep))
                clean(out)
                l0 = load()
                wall, peak, cpu = run_child(tool_cmd(tool, a, w, out), out + ".log")
                loads.append((l0, load()))
                rates[tool].append(work_units / wall)
                cpu_rates[tool].append(work_units / cpu)
                rss[tool] = max(rss[tool], peak)
                results[tool].append(read_results(out))
                outputs[tool].append(out)
                print("  %-12s rep %d %-20s %8.1f s  %10.0f fault-images/s  %10.0f per CPU-s  peak RSS %6.0f MiB  load %.1f->%.1f"
                      % (model, rep, tool, wall, work_units / wall, work_units / cpu, peak, l0, load()), flush=True)
        ok, msgs = check(w, results, outputs)
        all_ok &= ok
        report.append({"workload": w, "rates": rates, "cpu_rates": cpu_rates, "rss_mib": rss, "checks": msgs, "ok": ok,
                       "loads": loads})

    if a.estimate:
        print("predicted total: ~%.0f s (%.1f min)" % (predicted, predicted / 60))
        return
    print()
    print("| workload | faults x images | tool | fault-images/s median | min | max | fast / this | per CPU-second (median) | fast / this | peak RSS MiB |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in report:
        w, rates = r["workload"], r["rates"]
        cpu_rates = r["cpu_rates"]
        fast = statistics.median(rates["faultbench_fast"]) if rates.get("faultbench_fast") else None
        fast_cpu = statistics.median(cpu_rates["faultbench_fast"]) if cpu_rates.get("faultbench_fast") else None
        for tool in tools:
            med, med_cpu = statistics.median(rates[tool]), statistics.median(cpu_rates[tool])
            print("| %s (%s weights%s) | %d x %d | %s | %.0f | %.0f | %.0f | %s | %.0f | %s | %.0f |" % (
                w["model"], w["weights_kind"], ", " + w["shape"] if w.get("shape") else "", w["faults_n"], w["images"],
                tool, med, min(rates[tool]),
                max(rates[tool]), "%.2f" % (fast / med) if fast else "-", med_cpu,
                "%.2f" % (fast_cpu / med_cpu) if fast_cpu else "-", r["rss_mib"][tool]))
    if a.baseline:
        print()
        print("| workload | faults x images | new / baseline (median rates) | per rep (interleaved) | per CPU-second (median) |")
        print("|---|---|---:|---|---:|")
        for r in report:
            w, rates, cpu_rates = r["workload"], r["rates"], r["cpu_rates"]
            new, old = rates["faultbench_fast"], rates[BASELINE]
            per_rep = ", ".join("%.3f" % (n / o) for n, o in zip(new, old))
            print("| %s | %d x %d | %.3f | %s | %.3f |" % (
                w["model"], w["faults_n"], w["images"], statistics.median(new) / statistics.median(old), per_rep,
                statistics.median(cpu_rates["faultbench_fast"]) / statistics.median(cpu_rates[BASELINE])))
    if ONNX in tools:
        print()
        print("| workload | faults x images | imported ONNX / built-in (median rates) | per rep (interleaved) | per CPU-second (median) |")
        print("|---|---|---:|---|---:|")
        for r in report:
            w, rates, cpu_rates = r["workload"], r["rates"], r["cpu_rates"]
            new, old = rates[ONNX], rates["faultbench_fast"]
            print("| %s | %d x %d | %.3f | %s | %.3f |" % (
                w["model"], w["faults_n"], w["images"], statistics.median(new) / statistics.median(old),
                ", ".join("%.3f" % (n / o) for n, o in zip(new, old)),
                statistics.median(cpu_rates[ONNX]) / statistics.median(cpu_rates["faultbench_fast"])))
    if any(t in NUMERICS_TOOLS for t in tools):
        print()
        print("| workload | faults x images | numerics | fault-images/s median | this / fp32 (median rates) | per rep |")
        print("|---|---|---|---:|---:|---|")
        for r in report:
            w, rates = r["workload"], r["rates"]
            fp32 = rates["faultbench_fast"]
            for tool in [t for t in tools if t in NUMERICS_TOOLS]:
                per_rep = ", ".join("%.3f" % (n / o) for n, o in zip(rates[tool], fp32))
                print("| %s | %d x %d | %s | %.0f | %.3f | %s |" % (
                    w["model"], w["faults_n"], w["images"], NUMERICS_TOOLS[tool], statistics.median(rates[tool]),
                    statistics.median(rates[tool]) / statistics.median(fp32), per_rep))
    print()
    for r in report:
        loads = [x for pair in r["loads"] for x in pair]
        print("%s: faults over %d layers; 1-min load during the runs %.1f..%.1f" % (
            r["workload"]["model"], r["workload"]["layers"], min(loads), max(loads)))
        for m in r["checks"]:
            print("  " + m)
    if a.json:
        with open(a.json, "w") as f:
            json.dump([{k: v for k, v in r.items()} for r in report], f, indent=1)
    print("checks: %s" % ("all passed" if all_ok else "SOME FAILED"))
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()
