#!/usr/bin/env bash
# aarch64 leg of the ISA matrix (docs/SIMD.md): cross-builds faultbench and its ops, graph
# and campaign tests with g++-aarch64-linux-gnu, runs them under qemu-user with the NEON
# target (the scalar one: the ops tests; emulated scalar kernels are too slow for more),
# and checks that a small campaign's RESULTS.csv (10 published
# ResNet20 faults x 20 images) is byte-identical to the x86-64 one.
#
#   scripts/aarch64_check.sh [X86_RESULTS.csv]
#   scripts/aarch64_check.sh --deps-only       only downloads and unpacks the arm64 libraries
#                                              (.ci/run does it in the background at the start:
#                                              about a minute of network, no CPU)
#
# Needs g++-aarch64-linux-gnu and qemu-user (scripts/install-deps.sh --test). The arm64
# builds of the libraries are downloaded with apt-get download and unpacked into
# $BUILD/deps (no package is installed; dpkg must know the arm64 architecture:
# `dpkg --add-architecture arm64 && apt-get update`, which this script does when run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
DEPS_ONLY=0
if [ "${1:-}" = --deps-only ]; then DEPS_ONLY=1; shift; fi
X86_RESULTS=${1:-}
BUILD=${AARCH64_BUILD_DIR:-build-aarch64}
DATA=${FAULTBENCH_DATA:-../shared/data}
export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu
command -v aarch64-linux-gnu-g++ >/dev/null && command -v qemu-aarch64 >/dev/null ||
  { echo "aarch64_check.sh: needs g++-aarch64-linux-gnu and qemu-user (scripts/install-deps.sh --test)" >&2; exit 2; }

DEPS=$(pwd)/$BUILD/deps
if [ ! -f "$DEPS/.done" ]; then
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    [ "$(id -u)" = 0 ] || { echo "aarch64_check.sh: run 'dpkg --add-architecture arm64 && apt-get update' as root" >&2; exit 2; }
    dpkg --add-architecture arm64
    apt-get update -qq
  fi
  mkdir -p "$DEPS/debs"
  # The closure of the -dev packages, less what the cross compiler brings (libc, libstdc++).
  pk="libfmt-dev:arm64 libzip-dev:arm64 libcurl4-openssl-dev:arm64 libarchive-dev:arm64 libssl-dev:arm64
      libgtest-dev:arm64 zlib1g-dev:arm64 libonnx-dev:arm64 libprotobuf-dev:arm64"
  list=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
           --no-enhances --no-pre-depends $pk | grep -v '^ ' | grep ':arm64$' | sort -u |
         grep -vE '^(libc6|libc6-dev|libc-dev-bin|libgcc-s1|libstdc\+\+6|gcc-12-base|linux-libc-dev|libcrypt-dev|libnsl-dev|libtirpc-dev|rpcsvc-proto):')
  (cd "$DEPS/debs" && apt-get download $list nlohmann-json3-dev libcli11-dev >/dev/null)
  for d in "$DEPS"/debs/*.deb; do dpkg -x "$d" "$DEPS"; done
  touch "$DEPS/.done"
fi
[ $DEPS_ONLY = 0 ] || { echo "aarch64_check.sh: arm64 libraries in $DEPS"; exit 0; }

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFAULTBENCH_BUILD_TESTS=ON \
  -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DFAULTBENCH_AARCH64_DEPS="$DEPS" >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target faultbench test_ops test_graph test_campaign

FB=(qemu-aarch64 "$BUILD/faultbench")
echo "== aarch64: $("${FB[@]}" --version)"
LIST=$DATA/faultlists/torch/CIFAR10/ResNet20_FL.csv
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
have_data=0
if [ -f "$LIST" ]; then
  have_data=1
  head -n 11 "$LIST" > "$WORK/faults.csv"
fi
# The CLI tests exec the aarch64 faultbench directly, which needs binfmt_misc; without it
# they are left out (the campaign below runs the CLI under qemu instead).
cli=''
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || cli=':*Cli*:*CLI*:*Command*:NpyCampaign.*'
# Emulation is 10 to 20 times slower than the host, so within CI's time the tests that
# run once per zoo model run on three models that between them use every operator kind
# (residual add: resnet20; depthwise conv and ReLU6: mobilenetv2; concatenation and
# average pooling: densenet121); the per-model campaign tests are left out (over 10 minutes
# emulated: the ResNet20 campaign below checks the engine end to end, byte for byte).
three='*/resnet20_cifar10:*/mobilenetv2_cifar10:*/densenet121_cifar10'
# CampaignOutputs run the CLI too; Progress is timed; the two longest fast-mode tests take
# 5 minutes emulated (the other fast-mode tests cover the same engine paths on smaller runs).
long=':CampaignOutputs.*:Progress.*:FastMode.StuckAtFaults*:FastMode.SuccessiveRuns*'
# The runs: SIMD target, test binary, gtest filter ("-" alone: every test), or "campaign".
# With the NEON target, every test run; with the scalar one, the ops tests (emulated scalar
# kernels are too slow for more).
# Longest first (emulated seconds on a shared 2-core machine: test_campaign 253, the
# campaigns 61 and 73, test_graph on three models 41, test_ops 28 and 21, test_graph 4), so
# that test_campaign runs beside all the others instead of alone at the end.
runs=(neon test_campaign "-Zoo/*$cli$long" neon test_graph "$three" neon test_ops "-${cli#:}"
      scalar test_ops "-${cli#:}" neon test_graph "-AllModels/*$cli")
[ $have_data = 0 ] || runs=("${runs[@]:0:3}" scalar campaign - neon campaign - "${runs[@]:3}")

# run_one I SIMD BINARY FILTER: run I, its output to $WORK/run.I; fails if the run fails.
run_one() {
  local i=$1 t=$2 bin=$3 filter=$4
  if [ "$bin" = campaign ]; then
    mkdir -p "$WORK/$t"
    FAULTBENCH_SIMD=$t "${FB[@]}" campaign --model resnet20 --dataset cifar10 --data-dir "$DATA" \
      --faults "$WORK/faults.csv" --images 20 --out "$WORK/$t/RESULTS.csv" 2>"$WORK/$t/log"
  else
    [ "$filter" != - ] || filter='*'
    FAULTBENCH_SIMD=$t qemu-aarch64 "$BUILD/tests/$bin" --gtest_filter="$filter" --gtest_brief=1
  fi
}

# The runs are independent, and most run one thread: they go JOBS (default nproc) at a time,
# in list order; each run's output and seconds are printed when all are done, in list order.
JOBS=${AARCH64_JOBS:-$(nproc)}
for ((i = 0; i < ${#runs[@]}; i += 3)); do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  ( start=$(date +%s)
    if run_one $i "${runs[i]}" "${runs[i+1]}" "${runs[i+2]}" >"$WORK/run.$i" 2>&1; then touch "$WORK/ok.$i"; fi
    echo $(($(date +%s) - start)) >"$WORK/seconds.$i" ) &
done
wait
failed=0
for ((i = 0; i < ${#runs[@]}; i += 3)); do
  echo "== aarch64 (qemu), FAULTBENCH_SIMD=${runs[i]}: ${runs[i+1]} ${runs[i+2]} ($(cat "$WORK/seconds.$i") s)"
  if [ -f "$WORK/ok.$i" ]; then
    tail -n 3 "$WORK/run.$i"
  else
    tail -n 40 "$WORK/run.$i"
    echo "aarch64_check.sh: FAILED: FAULTBENCH_SIMD=${runs[i]} ${runs[i+1]} ${runs[i+2]}" >&2
    failed=1
  fi
done
[ $failed = 0 ] || exit 1

[ $have_data = 1 ] || { echo "== aarch64: no reference data at $DATA: no campaign comparison"; exit 0; }
for t in neon scalar; do
  if [ -n "$X86_RESULTS" ]; then
    cmp "$X86_RESULTS" "$WORK/$t/RESULTS.csv" ||
      { echo "aarch64 $t RESULTS.csv differs from x86-64's" >&2; diff "$X86_RESULTS" "$WORK/$t/RESULTS.csv" | head >&2; exit 1; }
    echo "== aarch64 $t: RESULTS.csv byte-identical to x86-64's"
  fi
done
