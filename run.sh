#!/usr/bin/env bash
# Builds the node (Release) and starts timed with the options given.
# With none: a devnet node, data in ./data/devnet, P2P on 127.0.0.1:24200,
# RPC on 127.0.0.1:24201.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTIMECOIN_BUILD_TESTS=OFF \
  -DTIMECOIN_BUILD_BENCH=OFF >/dev/null
cmake --build build -j"$(nproc)" --target timed time-cli
if [ $# -eq 0 ]; then
  set -- --devnet --datadir=./data/devnet
fi
exec ./build/bin/timed "$@"
