#!/usr/bin/env bash
# Builds faultbench with its tests and runs them all with ctest.
# Reference data (weights, CIFAR-10 test set, published fault lists) is read from
# FAULTBENCH_DATA, by default ../shared/data beside the checkout; tests that need it
# skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --test
if [ -z "${FAULTBENCH_DATA:-}" ] && [ -d ../shared/data ]; then
  export FAULTBENCH_DATA="$(cd ../shared/data && pwd)"
fi
BUILD=${BUILD_DIR:-build}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFAULTBENCH_BUILD_TESTS=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
# A fresh build folder has no test times yet, and ctest -j would start the tests in the order
# they are declared, so that a long one begun last keeps one core busy alone at the end:
# seed the times of the long tests (tests/ctest_costs.txt, comment lines left out).
costs="$BUILD/Testing/Temporary/CTestCostData.txt"
if [ ! -f "$costs" ]; then
  mkdir -p "$(dirname "$costs")"
  grep -v '^#' tests/ctest_costs.txt >"$costs"
fi
# A hung test fails after 10 minutes instead of blocking the run.
ctest --test-dir "$BUILD" --output-on-failure --timeout 600 -j"$(nproc)" "$@"
