#!/usr/bin/env bash
# Fails (exit 1) when a C++ file of src, include, cli, tests, bench, fuzz or tools differs
# from what clang-format makes of it with the repository's .clang-format; prints the files.
#
#   scripts/check_format.sh          check (clang-format --dry-run --Werror)
#   scripts/check_format.sh --fix    rewrite the files in place
set -euo pipefail
cd "$(dirname "$0")/.."
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
mapfile -t files < <(git ls-files -- src include cli tests bench fuzz tools | grep -E '\.(cpp|h)$')
if [ "${1:-}" = "--fix" ]; then
  "$CLANG_FORMAT" -i "${files[@]}"
  exit 0
fi
# One clang-format call; each unformatted place is reported as FILE:LINE:COL: error: ...
if report=$("$CLANG_FORMAT" --dry-run --Werror "${files[@]}" 2>&1); then
  echo "check_format: ${#files[@]} files clang-formatted"
  exit 0
fi
bad=$(grep -oE '^[^:]+:[0-9]+:[0-9]+: error' <<<"$report" | cut -d: -f1 | sort -u)
[ -n "$bad" ] || { echo "$report" >&2; exit 1; }  # clang-format itself failed
echo "$bad"
echo "check_format: $(wc -l <<<"$bad") of ${#files[@]} files are not clang-formatted (scripts/check_format.sh --fix)" >&2
exit 1
