#!/usr/bin/env bash
# The full crash test of issue 7 (item 2): the same test binary as the shortened CI run
# (tests/crash/), with the counts raised through the environment.
#
#   scripts/crash_test.sh [KILLS] [SEED]      defaults: 20 kills, seed 20260607
#
# Environment: BUILD_DIR (default build), FAULTBENCH_CRASH_FAULTS (default 40),
# FAULTBENCH_CRASH_IMAGES (default 16). Prints the seed and the counts reached. The
# read-only and disk-full tests need mount(2) (root or CAP_SYS_ADMIN) and skip otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD_DIR:-build}
KILLS=${1:-20}
SEED=${2:-20260607}
# test_crash runs the test CLI (tests/faultbench_test_cli): the released faultbench has no
# crash hooks.
if [ ! -x "$BUILD/tests/test_crash" ] || [ ! -x "$BUILD/tests/faultbench_test_cli" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFAULTBENCH_BUILD_TESTS=ON >/dev/null
  cmake --build "$BUILD" --target test_crash faultbench_test_cli
fi
echo "crash test: seed $SEED, $KILLS kills (rerun with: $0 $KILLS $SEED)"
FAULTBENCH_CRASH_KILLS=$KILLS FAULTBENCH_CRASH_SEED=$SEED "$BUILD/tests/test_crash" --gtest_color=no
