#!/usr/bin/env bash
# Installs what faultbench needs from Debian's archive.
#
#   scripts/install-deps.sh          to build and run faultbench (the quick start)
#   scripts/install-deps.sh --slurm  also a local Slurm (scripts/slurm_local_check.sh)
#   scripts/install-deps.sh --test   also what the tests, sanitizer, fuzzing and valgrind
#                                    passes, packaging checks and benchmarks need (PyTorch as
#                                    the reference implementation, clang for libFuzzer, the
#                                    aarch64 cross compiler and qemu-user, ...)
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  nlohmann-json3-dev libcli11-dev libfmt-dev
  libzip-dev libcurl4-openssl-dev libarchive-dev libssl-dev zlib1g-dev
  libopenmpi-dev openmpi-bin libonnx-dev libprotobuf-dev
)
# The single-node Slurm of scripts/slurm_local_check.sh (docs/CLUSTER.md); not for CI.
SLURM_PACKAGES=(slurm-wlm munge)
TEST_PACKAGES=(
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-torch python3-pil python3-numpy python3-onnx libonnx-testdata
  python3-scipy python3-pandas chromium
  clang libclang-rt-14-dev clang-format
  dpkg-dev file valgrind
  g++-aarch64-linux-gnu qemu-user
)
case "${1:-}" in
  "") ;;
  --test) PACKAGES+=("${TEST_PACKAGES[@]}") ;;
  --slurm) PACKAGES+=("${SLURM_PACKAGES[@]}") ;;
  *) echo "usage: $0 [--test | --slurm]" >&2; exit 2 ;;
esac
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "install-deps: all ${#PACKAGES[@]} packages present"
