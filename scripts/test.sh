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
# A hung test fails after 10 minutes instead of blocking the run.
ctest --test-dir "$BUILD" --output-on-failure --timeout 600 -j"$(nproc)" "$@"
