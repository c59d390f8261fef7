#!/usr/bin/env bash
# Runs clang-tidy (Debian 12's, version 14) with the checks in .clang-tidy
# over the project's C++ files, as compiled per build/compile_commands.json.
# Prints the findings and exits 1 if there are any, 0 if none.
#   scripts/tidy.sh                  every source file of the build
#   scripts/tidy.sh FILE...          only these (.cpp files of the build)
#   scripts/tidy.sh --changed [REF]  only the .cpp files changed since the
#                                    branch left REF (default main), and
#                                    those beside changed headers
# Environment: BUILD (default build) is the CMake build tree, configured
# here if it has no compile_commands.json; TIDY_JOBS (default: the number of
# cores) clang-tidy processes run at once.
# The whole tree (130 files) takes about 26 minutes of CPU, so about 13
# minutes on two cores; the actor files take the longest (up to 1.5 minutes
# each), mostly in the path-sensitive clang-analyzer checks.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${BUILD:-build}
jobs=${TIDY_JOBS:-$(nproc)}

clang_tidy=${CLANG_TIDY:-}
if [ -z "$clang_tidy" ]; then
  for c in clang-tidy-14 clang-tidy; do
    if command -v "$c" >/dev/null 2>&1; then
      clang_tidy=$c
      break
    fi
  done
fi
if [ -z "$clang_tidy" ]; then
  echo "tidy: clang-tidy not found (scripts/install-deps.sh installs it)" >&2
  exit 2
fi

if [ ! -f "$build/compile_commands.json" ]; then
  echo "tidy: configuring $build for its compile_commands.json" >&2
  cmake -S . -B "$build" -DTIMECOIN_BUILD_TESTS=ON >/dev/null
fi

# The project's translation units, relative to the root, one per line.
all_sources() {
  python3 - "$build/compile_commands.json" "$root" <<'PY'
import json, os, sys
db, root = sys.argv[1], sys.argv[2]
seen = set()
for e in json.load(open(db)):
    f = os.path.normpath(os.path.join(e["directory"], e["file"]))
    rel = os.path.relpath(f, root)
    if rel.startswith("..") or rel.split(os.sep)[0].startswith("build"):
        continue
    if rel not in seen:
        seen.add(rel)
        print(rel)
PY
}

files=()
if [ "${1:-}" = "--changed" ]; then
  ref=${2:-main}
  base=$(git merge-base "$ref" HEAD)
  mapfile -t changed < <(git diff --name-only "$base" -- '*.cpp' '*.hpp')
  mapfile -t sources < <(all_sources)
  declare -A want=()
  for c in "${changed[@]}"; do
    case "$c" in
      *.cpp) want[$c]=1 ;;
      *.hpp) want[${c%.hpp}.cpp]=1 ;;
    esac
  done
  for s in "${sources[@]}"; do
    if [ -n "${want[$s]:-}" ]; then
      files+=("$s")
    fi
  done
elif [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(all_sources)
fi
if [ ${#files[@]} -eq 0 ]; then
  echo "tidy: no files to check"
  exit 0
fi

log="$build/clang-tidy.log"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
start=$(date +%s)
echo "tidy: ${#files[@]} files, $jobs at a time; full output in $log" >&2
# Each file's output goes to files of its own, gathered in order after.
printf '%s\0' "${files[@]}" | xargs -0 -P "$jobs" -I{} sh -c '
  o="$2/$(printf %s "$1" | tr / _)"
  "$0" -p "$3" --quiet "$1" >"$o.out" 2>"$o.err"
  echo $? >"$o.rc"' "$clang_tidy" {} "$out" "$build"

: >"$log"
failed=()
for f in "${files[@]}"; do
  o="$out/$(printf %s "$f" | tr / _)"
  cat "$o.out" >>"$log"
  # clang-tidy fails without a finding when the file does not compile.
  if [ "$(cat "$o.rc")" != 0 ] && ! grep -qE ': (warning|error): ' "$o.out"; then
    failed+=("$f")
    cat "$o.err" >>"$log"
  fi
done

# A header's findings repeat for every file that includes it: once each.
mapfile -t findings < <(grep -E '^/.*:[0-9]+:[0-9]+: (warning|error): .*\[[^]]+\]$' "$log" \
  | sed "s|^$root/||" | sort -t: -k1,1 -k2,2n -k3,3n -u)
echo "tidy: $(( $(date +%s) - start )) s" >&2

if [ ${#failed[@]} -gt 0 ]; then
  echo "tidy: clang-tidy could not check these (see $log):" >&2
  printf '  %s\n' "${failed[@]}" >&2
fi
if [ ${#findings[@]} -gt 0 ]; then
  printf '%s\n' "${findings[@]}"
  echo "tidy: ${#findings[@]} findings, by check:" >&2
  printf '%s\n' "${findings[@]}" | sed 's/.*\[\([^]]*\)\]$/\1/' | sort | uniq -c \
    | sort -rn >&2
fi
if [ ${#failed[@]} -gt 0 ] || [ ${#findings[@]} -gt 0 ]; then
  exit 1
fi
echo "tidy: no findings in ${#files[@]} files"
