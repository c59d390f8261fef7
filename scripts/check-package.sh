#!/usr/bin/env bash
# Checks the CMake package as an integrator uses it, from a build directory
# that is configured and built (./test.sh runs it after ctest):
#  1. `cmake --install` of the components dev and daemon into a fresh prefix:
#     timed and time-cli are there; the headers are exactly the public ones
#     (include/timecoin/, and the generated version.hpp) and include nothing
#     but each other; the package's CMake files name no path of this tree;
#  2. examples/embed, built against that prefix with find_package, runs;
#  3. examples/embed, built with this tree added by add_subdirectory, runs.
# Non-zero on the first failure. The add_subdirectory build, which compiles
# the libraries again, stays in <build dir>/embed-subdir so that a later run
# rebuilds only what changed (and through ccache when there is one).
#   scripts/check-package.sh [build dir]   default: build
#   JOBS=2 scripts/check-package.sh        parallel jobs (default: nproc)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${1:-build}
jobs=${JOBS:-$(nproc)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"

fail() {
  echo "check-package: $*" >&2
  exit 1
}

# Runs a command quietly; shows its output if it fails.
quiet() {
  "$@" >"$tmp/log" 2>&1 || { cat "$tmp/log"; fail "failed: $*"; }
}

launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

for component in dev daemon; do
  quiet cmake --install "$build" --prefix "$prefix" --component "$component"
done
for program in timed time-cli; do
  [ -x "$prefix/bin/$program" ] || fail "$program is not installed"
done

installed=$(cd "$prefix" && find include -type f | sort)
expected=$({ (cd include && find timecoin -type f); echo timecoin/version.hpp; } \
  | sed 's|^|include/|' | sort)
if [ "$installed" != "$expected" ]; then
  echo "installed:"; echo "$installed"; echo "public (include/timecoin/):"; echo "$expected"
  fail "the installed headers are not the public ones"
fi
if grep -n '^#include "' "$prefix"/include/timecoin/*.hpp | grep -v '"timecoin/'; then
  fail "a public header includes a header that is not public"
fi
if grep -rlF "$root/" "$prefix/lib/cmake"; then
  fail "the package's CMake files name paths of the source tree"
fi

echo "check-package: examples/embed with find_package"
quiet cmake -S examples/embed -B "$tmp/embed-find" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" "${launcher[@]}"
quiet cmake --build "$tmp/embed-find" -j"$jobs"
quiet "$tmp/embed-find/embed"
tail -n 1 "$tmp/log"

echo "check-package: examples/embed with add_subdirectory"
subdir="$build/embed-subdir"
quiet cmake -S examples/embed -B "$subdir" -DCMAKE_BUILD_TYPE=Release \
  -DTIMECOIN_SOURCE_DIR="$root" "${launcher[@]}"
quiet cmake --build "$subdir" -j"$jobs"
quiet "$subdir/embed"
tail -n 1 "$tmp/log"
