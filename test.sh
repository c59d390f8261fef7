#!/usr/bin/env bash
# Builds everything with the tests and runs them all; non-zero on any failure.
#   ./test.sh            Release build in build/, all tests
#   SANITIZE=1 ./test.sh ASan+UBSan build in build-asan/
#   FUZZ=0 ./test.sh     without the fuzz targets (scripts/fuzz.sh, which
#                        otherwise run FUZZ_SECONDS each, 60 by default)
#   CHECK_FORMAT=0 ./test.sh
#                        without the first step, the check that every source
#                        is formatted as .clang-format says
#                        (scripts/check-format.sh; --fix formats them)
#   PACKAGE=0 ./test.sh  without the check of the CMake package
#                        (scripts/check-package.sh: cmake --install, then
#                        examples/embed built with find_package and with
#                        add_subdirectory, and run); never in the ASan build,
#                        whose installed libraries would need its runtime
#   After the tests, the Release build's Debian package is made and checked
#                        (scripts/check-deb.sh: build/timecoin-node_<version>_<arch>.deb)
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install-deps.sh
if [ "${CHECK_FORMAT:-1}" != "0" ]; then
  ./scripts/check-format.sh
fi
build=build
flags=(-DCMAKE_BUILD_TYPE=Release)
if [ "${SANITIZE:-0}" = "1" ]; then
  build=build-asan
  flags=(-DCMAKE_BUILD_TYPE=Debug -DTIMECOIN_SANITIZE=ON -DTIMECOIN_BUILD_BENCH=OFF)
fi
cmake -S . -B "$build" "${flags[@]}" -DTIMECOIN_BUILD_TESTS=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
(cd "$build" && ctest --output-on-failure --timeout 600)
if [ "${PACKAGE:-1}" != "0" ] && [ "${SANITIZE:-0}" != "1" ]; then
  ./scripts/check-package.sh "$build"
  ./scripts/check-deb.sh "$build"
fi
if [ "${FUZZ:-1}" != "0" ]; then
  ./scripts/fuzz.sh
fi
