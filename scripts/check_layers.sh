#!/usr/bin/env bash
# Layering check (docs/ARCHITECTURE.md): fails, naming file:line and the include, when a file
# of src/, include/ or cli/ includes a header of a higher layer, or of a sibling layer of
# another library target. Exit 0: clean; 1: a violation or a folder this script does not know.
#
#   layer  target                folders
#   0      faultbench_core       include/faultbench/{error,tensor,window2d}.h, util/, tensor/
#   1      faultbench_core       ops/
#   2      faultbench_core       include/faultbench/{graph,executor}.h, graph/
#   3      faultbench_digest     util/digest.{h,cpp}
#   4      faultbench_models     io/, zoo/, faults/
#   4      faultbench_data       data/
#   4      faultbench_onnx       onnx/
#   5      faultbench_campaign   campaign/
#   6      faultbench_cluster    cluster/ (MPI; built only when MPI is found)
#   7      the CLI               cli/
set -euo pipefail
cd "$(dirname "$0")/.."

# Sets LAYER and TARGET for a path relative to the repository root; LAYER="" when unknown.
classify() {
  LAYER="" TARGET=""
  case "$1" in
    include/faultbench/util/digest.h | src/util/digest.cpp) LAYER=3 TARGET=digest ;;
    include/faultbench/error.h | include/faultbench/tensor.h | include/faultbench/window2d.h) LAYER=0 TARGET=core ;;
    include/faultbench/util/* | src/util/* | include/faultbench/tensor/* | src/tensor/*) LAYER=0 TARGET=core ;;
    include/faultbench/ops/* | src/ops/*) LAYER=1 TARGET=core ;;
    include/faultbench/graph.h | include/faultbench/executor.h) LAYER=2 TARGET=core ;;
    include/faultbench/graph/* | src/graph/*) LAYER=2 TARGET=core ;;
    include/faultbench/io/* | src/io/* | include/faultbench/zoo/* | src/zoo/*) LAYER=4 TARGET=models ;;
    include/faultbench/faults/* | src/faults/*) LAYER=4 TARGET=models ;;
    include/faultbench/data/* | src/data/*) LAYER=4 TARGET=data ;;
    include/faultbench/onnx/* | src/onnx/*) LAYER=4 TARGET=onnx ;;
    include/faultbench/campaign/* | src/campaign/*) LAYER=5 TARGET=campaign ;;
    include/faultbench/cluster/* | src/cluster/*) LAYER=6 TARGET=cluster ;;
    cli/*) LAYER=7 TARGET=cli ;;
  esac
}

# The repository path of a quoted include: faultbench/... is under include/; a private header
# is found beside the including file, then under src/ (the library's private include root).
resolve() {
  local file=$1 header=$2 dir
  dir=$(dirname "$file")
  HEADER=""
  if [[ $header == faultbench/* ]]; then
    HEADER=include/$header
  elif [ -f "$dir/$header" ]; then
    HEADER=$(realpath -m --relative-to=. "$dir/$header")
  elif [ -f "src/$header" ]; then
    HEADER=src/$header
  fi
}

status=0
while IFS= read -r file; do
  classify "$file"
  if [ -z "$LAYER" ]; then
    echo "$file: in no layer: add its folder to scripts/check_layers.sh and docs/ARCHITECTURE.md" >&2
    status=1
    continue
  fi
  file_layer=$LAYER file_target=$TARGET
  while IFS=: read -r line text; do
    [[ $text =~ \"([^\"]+)\" ]] || continue
    header=${BASH_REMATCH[1]}
    resolve "$file" "$header"
    [ -n "$HEADER" ] || continue  # not a header of this repository
    classify "$HEADER"
    if [ -z "$LAYER" ]; then
      echo "$file:$line: includes \"$header\", a header in no layer" >&2
      status=1
    elif ((LAYER > file_layer)) || { ((LAYER == file_layer)) && [ "$TARGET" != "$file_target" ]; }; then
      echo "$file:$line: includes \"$header\" ($TARGET, layer $LAYER) from $file_target, layer $file_layer" >&2
      status=1
    fi
  done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" || true)
done < <({ git ls-files --cached --others --exclude-standard -- src include cli 2>/dev/null ||
           find src include cli -type f; } | grep -E '\.(h|hpp|cpp|cc|inc)$' | sort -u)

[ $status = 0 ] && echo "check_layers: no include points to a higher layer"
exit $status
