#!/usr/bin/env bash
# The main job on the reference data: evaluate ResNet20 and run a small campaign of
# faults from the published ResNet20 list. Reads FAULTBENCH_DATA (default ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${FAULTBENCH_DATA:-../shared/data}
FB=${FAULTBENCH:-./build/faultbench}
OUT=${OUT_DIR:-out}
mkdir -p "$OUT"
"$FB" models
# The data root holds the test set and the reference checkpoint (docs/DATA.md): both are
# found there, so neither needs naming.
"$FB" eval --model resnet20 --dataset cifar10 --data-dir "$DATA"
head -n 21 "$DATA/faultlists/torch/CIFAR10/ResNet20_FL.csv" > "$OUT/demo_faults.csv"
"$FB" campaign --model resnet20 --dataset cifar10 --data-dir "$DATA" \
  --faults "$OUT/demo_faults.csv" --images 1000 --out "$OUT/demo_results.csv"
cat "$OUT/demo_results.csv"
