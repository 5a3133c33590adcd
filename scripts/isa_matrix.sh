#!/usr/bin/env bash
# The CI ISA matrix (docs/SIMD.md): results must be byte-identical on every SIMD target.
#
#   scripts/isa_matrix.sh [--aarch64]
#
# With the default (runtime-dispatched) build in $BUILD_DIR (default build, made by
# scripts/test.sh): for every x86-64 target this CPU runs (avx512, avx2, scalar; the
# others are skipped with a message), FAULTBENCH_SIMD forces it and
#   - ctest runs the ops, graph and campaign labels (not for the dispatched target, whose
#     tests scripts/test.sh ran; scalar: ops; its kernels are ~100x
#     slower without hardware FMA, and the campaign comparison below covers the rest);
#   - a small campaign (10 published ResNet20 faults x 20 images, fast mode) writes a
#     RESULTS.csv, which must be byte-identical to the first target's.
# The vector-target objects are checked for target code outside the target namespaces
# (scripts/check_simd_symbols.sh). --aarch64 then runs scripts/aarch64_check.sh: the same
# campaign cross-built for aarch64 (NEON and scalar) under qemu-user, compared with the
# x86 RESULTS.csv. Needs the reference data ($FAULTBENCH_DATA, default ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD_DIR:-build}
FB=$BUILD/faultbench
DATA=${FAULTBENCH_DATA:-../shared/data}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
[ -x "$FB" ] || { echo "isa_matrix.sh: no $FB (run scripts/test.sh first)" >&2; exit 2; }

./scripts/check_simd_symbols.sh "$BUILD"

targets=()
for t in avx512 avx2 scalar; do
  if FAULTBENCH_SIMD=$t "$FB" --version >/dev/null 2>"$WORK/err"; then
    targets+=("$t")
  else
    echo "== isa matrix: skipping $t: $(cat "$WORK/err")"
  fi
done
echo "== isa matrix: targets ${targets[*]} ($("$FB" --version))"
default_target=$(env -u FAULTBENCH_SIMD "$FB" --version | sed -n 's/.*SIMD kernels: \([a-z0-9_]*\).*/\1/p')

# One binary for every x86-64 machine: on an emulated pre-AVX CPU (qemu-user, Nehalem) the
# untargeted code must run (no AVX instruction outside the target regions, or qemu raises
# SIGILL) and dispatch must pick the scalar kernels.
if command -v qemu-x86_64 >/dev/null; then
  v=$(qemu-x86_64 -cpu Nehalem "$FB" --version 2>/dev/null)
  [[ "$v" == *"SIMD kernels: scalar"* ]] || { echo "isa matrix: on a Nehalem CPU (qemu): '$v', not the scalar kernels" >&2; exit 1; }
  qemu-x86_64 -cpu Nehalem "$FB" models >/dev/null 2>&1 || { echo "isa matrix: 'faultbench models' fails on a Nehalem CPU (qemu)" >&2; exit 1; }
  echo "== isa matrix: Nehalem (no AVX, qemu-x86_64): $v, models runs"
fi

LIST=$DATA/faultlists/torch/CIFAR10/ResNet20_FL.csv
have_data=0
if [ -f "$LIST" ]; then
  have_data=1
  head -n 11 "$LIST" > "$WORK/faults.csv"
else
  echo "== isa matrix: no reference data at $DATA: the campaign comparison is skipped"
fi

first=""
for t in "${targets[@]}"; do
  labels='ops|graph|campaign'
  [ "$t" != scalar ] || labels='ops'
  if [ "$t" = "$default_target" ]; then
    # scripts/test.sh ran every test on the dispatched target already.
    echo "== isa matrix: FAULTBENCH_SIMD=$t: the dispatched target (its tests ran in scripts/test.sh)"
  else
    echo "== isa matrix: FAULTBENCH_SIMD=$t: ctest -L '$labels'"
    FAULTBENCH_SIMD=$t ctest --test-dir "$BUILD" -L "$labels" --output-on-failure --timeout 600 \
      -j"$(nproc)" | tail -n 3
  fi
  [ $have_data = 1 ] || continue
  mkdir -p "$WORK/$t"
  FAULTBENCH_SIMD=$t "$FB" campaign --model resnet20 --dataset cifar10 --data-dir "$DATA" \
    --faults "$WORK/faults.csv" --images 20 --out "$WORK/$t/RESULTS.csv" 2>"$WORK/$t/log"
  grep -q "\"simd\": \"$t\"" "$WORK/$t/RESULTS.csv.json" || { echo "sidecar does not record simd=$t" >&2; exit 1; }
  sum=$(sha256sum < "$WORK/$t/RESULTS.csv" | cut -c1-16)
  if [ -z "$first" ]; then
    first=$t
    cp "$WORK/$t/RESULTS.csv" "$BUILD/isa_matrix_RESULTS.csv"  # for the aarch64 comparison
    echo "== isa matrix: $t: RESULTS.csv $sum... (the reference)"
    continue
  elif ! cmp "$WORK/$first/RESULTS.csv" "$WORK/$t/RESULTS.csv"; then
    echo "isa matrix: RESULTS.csv of $t differs from $first's" >&2
    diff "$WORK/$first/RESULTS.csv" "$WORK/$t/RESULTS.csv" | head -n 20 >&2
    exit 1
  fi
  echo "== isa matrix: $t: RESULTS.csv $sum... identical to $first's"
done

if [ "${1:-}" = "--aarch64" ]; then
  ./scripts/aarch64_check.sh "$BUILD/isa_matrix_RESULTS.csv"
fi
