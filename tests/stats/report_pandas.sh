#!/usr/bin/env bash
# ctest stats.report_pandas: `faultbench report` on the published ResNet20 results (all
# 16,627 faults) and on a faultbench campaign of 64 of the same faults (20 images), both in
# one report: tools/report_oracle.py recomputes the per-layer and per-bit tables with pandas
# and compares them with rates.csv. Exit 77 (skipped) without the reference data or pandas.
#   report_pandas.sh FAULTBENCH SOURCE_DIR
set -euo pipefail
faultbench=$1 src=$2
data=${FAULTBENCH_DATA:-$src/../shared/data}
published=$data/faultlists/torch/CIFAR10/ResNet20_FL.csv
if [ ! -f "$published" ] || [ ! -f "$data/weights/cifar10/ResNet20.th" ]; then
  echo "report_pandas: no reference data (FAULTBENCH_DATA): skipped"; exit 77
fi
if ! /usr/bin/python3 -c 'import pandas, scipy' 2>/dev/null; then
  echo "report_pandas: python3-pandas / python3-scipy missing (scripts/install-deps.sh --test): skipped"; exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Every 260th fault of the published list (all layers and many bits), fault columns only.
/usr/bin/python3 - "$published" "$tmp/list.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    for i, r in enumerate(rows):
        if i == 0 or i % 260 == 1:
            w.writerow(r[:4])
PY
"$faultbench" campaign --model resnet20 --dataset cifar10 --data-dir "$data" --faults "$tmp/list.csv" \
  --out "$tmp/ours.csv" --images 20 2>/dev/null
"$faultbench" report "$published" "$tmp/ours.csv" --model resnet20 --dataset cifar10 --out "$tmp/report"
/usr/bin/python3 "$src/tools/report_oracle.py" "$tmp/report" "$published" "$tmp/ours.csv"
