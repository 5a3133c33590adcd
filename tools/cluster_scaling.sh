#!/usr/bin/env bash
# Throughput of one campaign with 1 rank x 1 thread, 2 MPI ranks x 1 thread and 1 rank x 2
# threads (docs/CLUSTER.md). On a shared machine wall time is not a fair measure: each run
# also reports the CPU seconds of all its processes (mpirun's children included) and the load
# average before it, and fault-images per CPU-second.
#
#   FAULTBENCH_DATA=ROOT tools/cluster_scaling.sh [BUILD_DIR] [FAULTS] [IMAGES] [MODEL]
#   (defaults: build, 240, 500, resnet20; CIFAR-10)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FB=$(cd "${1:-$ROOT/build}" && pwd)/faultbench
FAULTS=${2:-240}
IMAGES=${3:-500}
MODEL=${4:-resnet20}
: "${FAULTBENCH_DATA:?set FAULTBENCH_DATA to a data root}"
W=$(mktemp -d /tmp/fb-scaling.XXXXXX)
trap 'rm -rf "$W"' EXIT
"$FB" faultlist --model "$MODEL" --dataset cifar10 --count "$FAULTS" --seed 1 --out "$W/list.csv" > /dev/null 2>&1
ROOTFLAG=()
[ "$(id -u)" = 0 ] && ROOTFLAG=(--allow-run-as-root)
ARGS=(campaign --model "$MODEL" --dataset cifar10 --faults "$W/list.csv" --images "$IMAGES")
printf '%-22s %8s %8s %6s %14s %18s\n' config wall_s cpu_s load fault-images/s fault-images/cpu-s
run() {
  local name=$1
  shift
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f "%e %U %S" -o "$W/time" "$@" > /dev/null 2> "$W/$name.log"
  read -r wall user sys < "$W/time"
  local work=$((FAULTS * IMAGES))
  printf '%-22s %8.1f %8.1f %6s %14.0f %18.0f\n' "$name" "$wall" "$(echo "$user + $sys" | bc)" "$load" \
    "$(echo "$work / $wall" | bc -l)" "$(echo "$work / ($user + $sys)" | bc -l)"
  cmp -s "$W/ref.csv" "$W/$name.csv" || [ "$name" = 1rank_1thread ] || echo "  $name: RESULTS.csv DIFFERS"
}
run 1rank_1thread "$FB" "${ARGS[@]}" --threads 1 --out "$W/1rank_1thread.csv"
cp "$W/1rank_1thread.csv" "$W/ref.csv"
run 2ranks_1thread mpirun "${ROOTFLAG[@]}" --oversubscribe -np 2 "$FB" "${ARGS[@]}" --threads 1 --out "$W/2ranks_1thread.csv"
run 1rank_2threads "$FB" "${ARGS[@]}" --threads 2 --out "$W/1rank_2threads.csv"
# The 2-rank run's batch size in one process: what smaller batches cost (a golden pass each).
BATCH=$(( (FAULTS + 7) / 8 < 16 ? 16 : (FAULTS + 7) / 8 ))
run "1rank_1thread_batch$BATCH" "$FB" "${ARGS[@]}" --threads 1 --fault-batch "$BATCH" --out "$W/1rank_1thread_batch$BATCH.csv"
