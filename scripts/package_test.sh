#!/usr/bin/env bash
# Packaging check: `cmake --install` into a scratch prefix, a program outside the tree built
# against it with find_package(faultbench) and with pkg-config, the Debian package from
# `cpack -G DEB` unpacked and its faultbench run.
#
#   scripts/package_test.sh [BUILD_DIR]          (default build: an existing build folder)
#   scripts/package_test.sh --chroot [BUILD_DIR] also installs the .deb with apt in a fresh
#                                                Debian 12 root (debootstrap, as root; a few
#                                                minutes and the Debian archive)
set -euo pipefail
cd "$(dirname "$0")/.."
CHROOT=0
if [ "${1:-}" = "--chroot" ]; then CHROOT=1; shift; fi
BUILD=${1:-build}
[ -f "$BUILD/CMakeCache.txt" ] || { echo "package_test: $BUILD is not a configured build folder" >&2; exit 2; }
# faultbench_lib is an interface target over the layers; faultbench_campaign pulls in all of them.
cmake --build "$BUILD" -j"$(nproc)" --target faultbench faultbench_campaign
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

echo "== cmake --install into $scratch/prefix"
cmake --install "$BUILD" --prefix "$scratch/prefix" >/dev/null
"$scratch/prefix/bin/faultbench" --version

echo "== a consumer built with find_package(faultbench)"
cmake -S tests/package -B "$scratch/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$scratch/prefix" >/dev/null
cmake --build "$scratch/consumer" >/dev/null
"$scratch/consumer/consumer"

echo "== a consumer built with pkg-config"
libdir=$(find "$scratch/prefix" -name faultbench.pc -printf '%h\n')
flags=$(PKG_CONFIG_PATH="$libdir" pkg-config --cflags --libs faultbench)
# shellcheck disable=SC2086
g++ -std=c++20 tests/package/consumer.cpp -o "$scratch/consumer_pc" $flags
"$scratch/consumer_pc"

echo "== cpack -G DEB"
(cd "$BUILD" && cpack -G DEB >/dev/null)
deb=$(ls -t "$BUILD"/faultbench_*.deb | head -1)
dpkg-deb --info "$deb" | grep -E '^ (Package|Version|Architecture|Depends):'
dpkg-deb -x "$deb" "$scratch/deb"
"$scratch/deb/usr/bin/faultbench" models | head -3

if [ $CHROOT = 1 ]; then
  echo "== apt install of the .deb in a fresh Debian 12 root"
  root="$scratch/root"
  debootstrap --variant=minbase bookworm "$root" >"$scratch/debootstrap.log" 2>&1 ||
    { tail -20 "$scratch/debootstrap.log"; exit 1; }
  cp "$deb" "$root/tmp/"
  chroot "$root" apt-get install -y -qq "/tmp/$(basename "$deb")" >/dev/null
  chroot "$root" faultbench models | head -3
  chroot "$root" faultbench --version
fi
echo "package_test: OK"
