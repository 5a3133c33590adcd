#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each for a fixed time.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]      (default 60 s, all targets)
#
# Each target starts from a copy of its committed seed corpus fuzz/corpus/<target>/ (the
# copy grows under $BUILD/corpus/<target>, kept between runs so that longer runs build on
# shorter ones). Any finding (crash, sanitizer report, unexpected exception, internal
# error, timeout > 10 s, RSS > 512 MB, single allocation > 512 MB) stops that target, leaves
# the input in $BUILD/findings/ and makes the script exit 1 after the other targets ran.
# A summary (target, seconds, executions, coverage edges, corpus files) is printed and
# written to $BUILD/fuzz-summary.tsv. Environment: BUILD_DIR (default build-fuzz), FUZZ_JOBS
# (default nproc): how many targets fuzz at the same time. libFuzzer runs one process on one
# core, so on an idle machine with FUZZ_JOBS <= cores each target gets as many executions in
# its SECONDS_PER_TARGET as it would alone, in 1/FUZZ_JOBS of the wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
shift || true
ALL="pickle torch_legacy torch_zip safetensors faultlist_torch faultlist_keras cifar ppm gtsrb_csv journal results_csv onnx npy"
TARGETS=${*:-$ALL}
BUILD=${BUILD_DIR:-build-fuzz}

CC=clang CXX=clang++ cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFAULTBENCH_BUILD_FUZZ=ON -DFAULTBENCH_BUILD_TESTS=OFF -DFAULTBENCH_NATIVE=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target $(for t in $TARGETS; do echo fuzz_$t; done)

# Scratch files of the targets go to a RAM disk when there is one (fsync-heavy journal).
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then export TMPDIR=/dev/shm; fi
# The readers' memory is bounded (docs/ROBUSTNESS.md, memory bounds), so the RSS limit is
# tight; ASan's quarantine of freed memory (256 MB by default) would count against it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:quarantine_size_mb=64}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

mkdir -p "$BUILD/findings" "$BUILD/logs"
summary="$BUILD/fuzz-summary.tsv"
printf 'target\tseconds\texecutions\tcoverage\tcorpus_files\tresult\n' >"$summary"
# fuzz_one TARGET: fuzzes one target, writes its summary row to $BUILD/logs/TARGET.row and
# prints what it found.
fuzz_one() {
  local t=$1 corpus="$BUILD/corpus/$1" log="$BUILD/logs/$1.log" rc execs cov files result
  mkdir -p "$corpus"
  cp -n fuzz/corpus/$t/* "$corpus/" 2>/dev/null || true
  echo "== fuzz_$t: ${SECONDS_PER_TARGET}s =="
  set +e
  "$BUILD/fuzz/fuzz_$t" "$corpus" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 \
    -rss_limit_mb=512 -malloc_limit_mb=512 -max_len=16384 -print_final_stats=1 \
    -artifact_prefix="$BUILD/findings/$t-" >"$log" 2>&1
  rc=$?
  set -e
  # -a: a log can hold raw bytes (libFuzzer's recommended dictionary), and a grep that then
  # prints "binary file matches" instead of the line would end this script under pipefail.
  execs=$(grep -a -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  cov=$(grep -a -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || true)
  files=$(ls "$corpus" | wc -l)
  result=ok
  if [ $rc -ne 0 ]; then
    result="FINDING(rc=$rc)"
    { echo "== fuzz_$t: FINDING (rc=$rc), $log:"
      grep -a -E 'ERROR|FAULTBENCH FUZZ FINDING|runtime error|SUMMARY|Test unit written' "$log" | head -20 || true; }
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$SECONDS_PER_TARGET" "${execs:-?}" "${cov:-?}" "$files" "$result" \
    >"$BUILD/logs/$t.row"
}

# FUZZ_JOBS targets at a time (each on its own core); the rows are gathered in target order,
# and a target's result is its row (a target that wrote none failed).
JOBS=${FUZZ_JOBS:-$(nproc)}
for t in $TARGETS; do
  rm -f "$BUILD/logs/$t.row"
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  fuzz_one "$t" &
done
wait
failed=0
for t in $TARGETS; do
  row=$(cat "$BUILD/logs/$t.row" 2>/dev/null || printf '%s\t%s\t?\t?\t?\t%s' "$t" "$SECONDS_PER_TARGET" "NO RESULT")
  printf '%s\n' "$row" >>"$summary"
  [ "${row##*$'\t'}" = ok ] || failed=1
done
column -t -s $'\t' "$summary"
exit $failed
