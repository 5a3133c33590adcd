#!/usr/bin/env bash
# Runs every parser's seed corpus and a small campaign under valgrind memcheck.
#
#   scripts/valgrind.sh
#
# Builds a portable (-DFAULTBENCH_NATIVE=OFF; valgrind cannot run AVX-512 code, and the
# kernels run FAULTBENCH_SIMD=avx2 under it, docs/SIMD.md) -O1 -g1
# build in $BUILD (default build-valgrind) with the faultbench CLI and the fuzz targets'
# replay drivers (-DFAULTBENCH_BUILD_FUZZ_REPLAY=ON, fuzz/replay_main.cpp), then runs under
# `valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite`:
#   - each replay_<target> over whatever files fuzz/corpus/<target>/ holds now;
#   - with the reference data ($FAULTBENCH_DATA, default ../shared/data): eval of 4 CIFAR-10
#     images with the ResNet20 weights, a fast-mode campaign of 3 faults of the published
#     ResNet20 list (conv1, layer2.1.conv2, linear) x 4 images on 2 threads, the same
#     command again (already complete: reads the journal back), and brute force on one of
#     the faults, whose row must equal the fast mode's. Without the data these steps are
#     skipped with a message.
# Any valgrind error, leak of a definitely lost block or failed command fails the step;
# logs go to $BUILD/valgrind-logs/, a summary to the terminal and $BUILD/valgrind-summary.tsv,
# and the script exits 1 if any step failed. valgrind runs a program's threads one at a time,
# so the steps run VALGRIND_JOBS (default nproc) at a time (the campaign, then its rerun, in
# one job). About 1 minute of valgrind after a build of about 4 CPU minutes. Set
# CMAKE_CXX_COMPILER_LAUNCHER=ccache in the environment to cache the build.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD_DIR:-build-valgrind}
if [ -z "${FAULTBENCH_DATA:-}" ] && [ -d ../shared/data ]; then
  FAULTBENCH_DATA="$(cd ../shared/data && pwd)"
fi
DATA=${FAULTBENCH_DATA:-}
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed (scripts/install-deps.sh)" >&2; exit 2; }

# The fuzz targets, as in fuzz/CMakeLists.txt (FUZZ_TARGETS), so that a new target is
# picked up without editing this script.
TARGETS=$(sed -n '/^set(FUZZ_TARGETS/,/)/p' fuzz/CMakeLists.txt | sed 's/set(FUZZ_TARGETS//; s/)//' | xargs)
[ -n "$TARGETS" ] || { echo "valgrind.sh: no FUZZ_TARGETS in fuzz/CMakeLists.txt" >&2; exit 2; }

# valgrind's CPUID should hide AVX-512 from the dispatcher anyway; forcing AVX2 (where the
# CPU has it) does not depend on that.
if [ -z "${FAULTBENCH_SIMD:-}" ] && grep -qw avx2 /proc/cpuinfo; then export FAULTBENCH_SIMD=avx2; fi
# -O1 -g1 (asserts on: no NDEBUG): what memcheck checks is the code's memory accesses, the
# same at any level; -O1 compiles in about two thirds of -O2's time (CI's largest cost is
# its builds, docs/CI.md) and -g1's line tables are all a report's stack needs.
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DFAULTBENCH_NATIVE=OFF -DFAULTBENCH_BUILD_TESTS=OFF -DFAULTBENCH_BUILD_FUZZ_REPLAY=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target faultbench $(for t in $TARGETS; do echo replay_$t; done)

# --track-origins=yes would double the time; to find where an uninitialised value comes
# from, rerun with VALGRIND_OPTS=--track-origins=yes (valgrind reads that variable).
VG=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite)
LOGS="$BUILD/valgrind-logs"
RUN="$BUILD/valgrind-run"
rm -rf "$LOGS" "$RUN"
mkdir -p "$LOGS" "$RUN"
summary="$BUILD/valgrind-summary.tsv"
printf 'step\tseconds\tresult\n' >"$summary"
failed=0
STEPS=()

# step NAME CMD...: runs CMD under memcheck; valgrind's report and the command's stderr go
# to $LOGS/NAME.log, its stdout to NAME.out, the summary row to NAME.row.
step() {
  local name=$1
  shift
  local log="$LOGS/$name.log" start rc result
  echo "== valgrind: $name =="
  start=$(date +%s)
  set +e
  "${VG[@]}" "$@" >"$LOGS/$name.out" 2>"$log"
  rc=$?
  set -e
  result=ok
  if [ $rc -eq 99 ]; then
    result="MEMCHECK ERRORS"
  elif [ $rc -ne 0 ]; then
    result="FAILED(rc=$rc)"
  fi
  if [ "$result" != ok ]; then
    tail -n 60 "$log"
  fi
  printf '%s\t%s\t%s\n' "$name" "$(($(date +%s) - start))" "$result" >"$LOGS/$name.row"
}

# valgrind runs a program's threads one at a time, on one core: the steps run VALGRIND_JOBS
# (default nproc) at a time. in_background NAME... FUNCTION ARGS...: runs FUNCTION ARGS in
# the background once a slot is free; NAME... are the steps it writes rows for (in the
# order of the summary).
JOBS=${VALGRIND_JOBS:-$(nproc)}
in_background() {
  while [ "${1:-}" != -- ]; do STEPS+=("$1"); shift; done
  shift
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  "$@" &
}

FB="$BUILD/faultbench"
WEIGHTS="$DATA/weights/cifar10/ResNet20.th"
LIST="$DATA/faultlists/torch/CIFAR10/ResNet20_FL.csv"
have_data=0
if [ -n "$DATA" ] && [ -f "$WEIGHTS" ] && [ -f "$LIST" ] && [ -d "$DATA/cifar10-jpeg" ]; then
  have_data=1
  common=(--model resnet20 --dataset cifar10 --weights "$WEIGHTS" --data-dir "$DATA/cifar10-jpeg" --images 4 --threads 2)
  # The first fault of three layers: the first conv (everything after it recomputed), one
  # in the middle (early drop, sparse steps) and the classifier.
  awk -F, 'NR == 1 { print; next } ($2 == "conv1" || $2 == "layer2.1.conv2" || $2 == "linear") && !seen[$2]++' \
    "$LIST" >"$RUN/faults.csv"
  sed -n '1p;3p' "$RUN/faults.csv" >"$RUN/fault1.csv"
  # The longest chain first: the fast campaign, then the same command again.
  fast_then_rerun() {
    step campaign_fast "$FB" campaign "${common[@]}" --faults "$RUN/faults.csv" --out "$RUN/fast.csv"
    step campaign_rerun "$FB" campaign "${common[@]}" --faults "$RUN/faults.csv" --out "$RUN/fast.csv"
  }
  in_background campaign_fast campaign_rerun -- fast_then_rerun
  in_background campaign_brute_force -- step campaign_brute_force "$FB" campaign "${common[@]}" --mode brute-force \
    --faults "$RUN/fault1.csv" --out "$RUN/brute.csv"
  in_background eval -- step eval "$FB" eval "${common[@]}"
fi
for t in $TARGETS; do
  in_background "replay_$t" -- step "replay_$t" "$BUILD/fuzz/replay_$t" "fuzz/corpus/$t"
done
wait

for name in "${STEPS[@]}"; do
  row=$(cat "$LOGS/$name.row" 2>/dev/null || printf '%s\t?\t%s' "$name" "NO RESULT")
  printf '%s\n' "$row" >>"$summary"
  [ "${row##*$'\t'}" = ok ] || failed=1
done
if [ $have_data = 1 ]; then
  if [ -f "$RUN/fast.csv" ] && ! grep -q "already complete" "$LOGS/campaign_rerun.log"; then
    echo "valgrind.sh: the rerun of the complete campaign did not find it complete" >&2
    printf 'rerun_finds_complete\t0\tFAILED\n' >>"$summary"
    failed=1
  fi
  # The brute-force row (the oracle) must equal the fast mode's row of the same fault.
  if [ -f "$RUN/brute.csv" ] && [ -f "$RUN/fast.csv" ] && [ "$(sed -n 2p "$RUN/brute.csv")" != "$(sed -n 3p "$RUN/fast.csv")" ]; then
    echo "valgrind.sh: brute force and fast mode disagree:" >&2
    sed -n 2p "$RUN/brute.csv" >&2
    sed -n 3p "$RUN/fast.csv" >&2
    printf 'brute_force_equals_fast\t0\tFAILED\n' >>"$summary"
    failed=1
  fi
else
  echo "valgrind.sh: SKIPPED eval and campaign: reference data not found (set FAULTBENCH_DATA to a folder with" \
    "weights/cifar10/ResNet20.th, faultlists/torch/CIFAR10/ResNet20_FL.csv and cifar10-jpeg/)" >&2
  printf 'eval+campaign\t0\tSKIPPED (no FAULTBENCH_DATA)\n' >>"$summary"
fi

column -t -s $'\t' "$summary"
if [ $failed -ne 0 ]; then
  echo "valgrind.sh: FAILED (logs in $LOGS)" >&2
fi
exit $failed
