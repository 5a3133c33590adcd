#!/usr/bin/env bash
# Issue 2 benchmark: ResNet20 inference throughput, batch 1 and 128, 2 threads, faultbench
# against PyTorch eager and frozen TorchScript, measured in ONE invocation on the same
# machine; prints a table with ratios (faultbench / PyTorch).
# Usage: bench/run_inference_bench.sh [seconds-per-measurement]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER=${1:-5}
BUILD=${BUILD_DIR:-build-bench}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFAULTBENCH_BUILD_BENCH=ON -DFAULTBENCH_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" --target inference_bench >/dev/null
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$BUILD/bench/inference_bench" --benchmark_filter='BM_ResNet20/(1|128)/2/' --benchmark_repetitions=5 \
  --benchmark_min_time="$(awk "BEGIN{print $SECONDS_PER/5}")" --benchmark_format=json >"$TMP/fb.json" 2>/dev/null
/usr/bin/python3 bench/torch_inference.py --model resnet20 --dataset cifar10 --threads 2 --batches 1,128 \
  --seconds "$SECONDS_PER" >"$TMP/torch.jsonl"
/usr/bin/python3 - "$TMP/fb.json" "$TMP/torch.jsonl" <<'PY'
import json, statistics, sys
fb = json.load(open(sys.argv[1]))
rates = {}
for b in fb["benchmarks"]:
    if b.get("run_type") != "iteration":
        continue
    batch = int(b["name"].split("/")[1])
    rates.setdefault(batch, []).append(b["images/s"])
torch = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
print("machine: %s, %s" % (fb["context"].get("host_name", "?"), "%d CPUs" % fb["context"]["num_cpus"]))
print("| batch | engine | images/s (median) | min | max | faultbench / this |")
print("|---:|---|---:|---:|---:|---:|")
for batch in sorted(rates):
    med = statistics.median(rates[batch])
    print("| %d | faultbench | %.0f | %.0f | %.0f | 1.00 |" % (batch, med, min(rates[batch]), max(rates[batch])))
    for t in torch:
        if t["batch"] == batch:
            print("| %d | %s (torch %s) | %.0f | %.0f | %.0f | %.2f |" % (
                batch, t["engine"], t["torch"], t["images_per_second"], t["min"], t["max"], med / t["images_per_second"]))
PY
