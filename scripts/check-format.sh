#!/usr/bin/env bash
# Checks that every tracked C++ source and header is formatted as
# .clang-format says. Lists the files that are not and exits 1; exits 0 when
# all are.
#   scripts/check-format.sh             check every tracked *.cpp / *.hpp
#   scripts/check-format.sh FILE...     check only these files
#   scripts/check-format.sh --diff [FILE...]  also print what would change
#   scripts/check-format.sh --fix [FILE...]   format the files in place
# Uses clang-format 14 (Debian 12's): other versions lay some code out
# differently, so CLANG_FORMAT may name another binary only knowingly.
set -euo pipefail
cd "$(dirname "$0")/.."

clang_format=${CLANG_FORMAT:-}
if [ -z "$clang_format" ]; then
  for c in clang-format-14 clang-format; do
    if command -v "$c" >/dev/null 2>&1; then
      clang_format=$c
      break
    fi
  done
fi
if [ -z "$clang_format" ]; then
  echo "check-format: clang-format not found (scripts/install-deps.sh installs it)" >&2
  exit 2
fi

version=$("$clang_format" --version | sed -n 's/.*version \([0-9]*\).*/\1/p')
if [ "$version" != 14 ]; then
  echo "check-format: warning: $clang_format is version ${version:-unknown}, not 14; its layout may differ" >&2
fi

mode=check
case "${1:-}" in
  --fix) mode=fix; shift ;;
  --diff) mode=diff; shift ;;
esac

if [ $# -gt 0 ]; then
  files=("$@")
else
  # Tracked files only: build trees and anything untracked are never checked.
  mapfile -d '' files < <(git ls-files -z -- '*.cpp' '*.hpp')
fi
if [ ${#files[@]} -eq 0 ]; then
  exit 0
fi

if [ "$mode" = fix ]; then
  printf '%s\0' "${files[@]}" | xargs -0 -n 16 "$clang_format" -i --style=file
  exit 0
fi

# One clang-format per file, as many at once as there are cores; each
# prints the name of a file it would change.
mapfile -t bad < <(printf '%s\0' "${files[@]}" \
  | xargs -0 -P "$(nproc)" -I{} sh -c \
    '"$0" --dry-run --Werror --style=file "$1" >/dev/null 2>&1 || printf "%s\n" "$1"' \
    "$clang_format" {} \
  | sort)

if [ "$mode" = diff ]; then
  for f in "${bad[@]}"; do
    "$clang_format" --style=file "$f" | diff -u --label "a/$f" --label "b/$f" "$f" - || true
  done
fi

if [ ${#bad[@]} -gt 0 ]; then
  echo "check-format: ${#bad[@]} of ${#files[@]} files are not formatted as .clang-format says:" >&2
  printf '  %s\n' "${bad[@]}" >&2
  echo "check-format: scripts/check-format.sh --fix formats them; scripts/check-format.sh --diff shows the changes" >&2
  exit 1
fi
echo "check-format: all ${#files[@]} files formatted"
