#!/usr/bin/env bash
# Installs the Debian 12 packages the node needs to build and test, if any
# are missing. Safe to run again: does nothing when all are present.
#   scripts/install-deps.sh           everything ./test.sh needs
#   scripts/install-deps.sh --build   only what building timed, time-cli and
#                                     their Debian package needs
set -euo pipefail

build_packages=(
  build-essential cmake pkg-config ccache
  libcaf-dev libssl-dev libsodium-dev libmsgpack-cxx-dev
  libspdlog-dev libfmt-dev nlohmann-json3-dev libcpp-httplib-dev
  doctest-dev liblmdb-dev
  # time-sim's command line (CLI/CLI.hpp).
  libcli11-dev
  # cpack -G DEB: dpkg-shlibdeps names the libraries' packages; file tells
  # CPack which files are programs.
  dpkg-dev file
)
packages=(
  "${build_packages[@]}"
  clang
  # tests/apps/timed_cli_test.sh scrapes the metrics endpoint.
  curl
  # scripts/fuzz.sh: clang's sanitizer and libFuzzer runtimes
  # (libclang_rt.fuzzer-x86_64.a, only recommended by clang), and
  # llvm-symbolizer for readable sanitizer reports.
  libclang-rt-14-dev llvm-14
  # time-sim's report draws propagation.png with gnuplot (sim/plot.cpp);
  # without it the report is written all the same, without the picture.
  gnuplot-nox
  # scripts/check-format.sh and scripts/tidy.sh: the versions .clang-format
  # and .clang-tidy are written for.
  clang-format-14 clang-tidy-14
  # scripts/check-deb.sh: systemd-analyze verifies the package's unit.
  systemd
)
case "${1:-}" in
  "") ;;
  --build) packages=("${build_packages[@]}") ;;
  *)
    echo "usage: $0 [--build]" >&2
    exit 2
    ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends "${missing[@]}"
