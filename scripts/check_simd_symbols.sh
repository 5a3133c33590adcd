#!/usr/bin/env bash
# Checks that no function outside a target namespace was compiled with that target's
# instructions (docs/SIMD.md). A std or faultbench inline function first included inside
# a begin_target.h region is emitted, with the region's AVX2/AVX-512 code, as a COMDAT
# symbol that the linker may keep for the whole program: SIGILL on an older CPU. So in
# the objects of every x86 vector target (cmake/Simd.cmake's *_simd_avx512 / *_simd_avx2
# object libraries), every function that uses a VEX/EVEX instruction (v-prefixed
# mnemonics, ymm/zmm/k registers) must belong to namespace faultbench::ops::N_<TARGET>.
# usage: scripts/check_simd_symbols.sh [BUILD_DIR]
set -euo pipefail
BUILD=${1:-build}
objects=$(find "$BUILD" -path '*_simd_avx*.dir*' -name '*.o' | sort)
[ -n "$objects" ] || { echo "check_simd_symbols: no x86 vector-target objects under $BUILD (not x86-64?)"; exit 0; }
bad=0
for o in $objects; do
  case $o in *_simd_avx512.dir*) ns=N_AVX512 ;; *) ns=N_AVX2 ;; esac
  # objdump -d -C prints "<demangled name>:" before each function's instructions.
  out=$(objdump -d -C --no-show-raw-insn "$o" | awk -v ns="faultbench::ops::$ns::" '
    /^[0-9a-f]+ <.*>:$/ { name = substr($0, index($0, "<") + 1); name = substr(name, 1, length(name) - 2);
                          inside = index(name, ns) > 0; next }
    !inside && name != "" && ($2 ~ /^v[a-z]/ || $0 ~ /%[yz]mm|%k[0-7]/) { print name; name = "" }')
  if [ -n "$out" ]; then
    echo "check_simd_symbols: $o: functions outside $ns use vector instructions:"
    echo "$out" | sed 's/^/  /'
    bad=1
  fi
done
[ $bad = 0 ] && echo "check_simd_symbols: $(echo "$objects" | wc -l) vector-target objects, every vector function in its target namespace"
exit $bad
