#!/usr/bin/env bash
# Starts N devnet nodes on this machine that find each other from node 0 (their
# seednode), and stops them all on Ctrl-C. Data in ./data/cluster/node<i>; P2P
# ports 24300+2i, RPC ports 24301+2i. Every node is at 127.0.0.1, so each
# allows as many connections from that address as there are nodes.
#   deploy/local-cluster.sh 4
#   build/bin/time-cli --datadir=data/cluster/node0 --rpcport=24301 getpeerinfo
# Produce blocks on one node and watch the others follow:
#   build/bin/time-cli --datadir=data/cluster/node0 --rpcport=24301 generate 500 10
#   build/bin/time-cli --datadir=data/cluster/node3 --rpcport=24307 getblockchaininfo
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-3}
bin=build/bin
[ -x "$bin/timed" ] || { echo "build first: ./run.sh --help" >&2; exit 1; }
pids=()
trap 'kill -TERM "${pids[@]}" 2>/dev/null; wait' INT TERM EXIT
for i in $(seq 0 $((n - 1))); do
  args=(--devnet --datadir="data/cluster/node$i" --port=$((24300 + 2 * i))
        --rpcport=$((24301 + 2 * i)) --maxconnectionsperip=$((n > 3 ? n : 3)))
  if [ "$i" -gt 0 ]; then
    args+=(--seednode=127.0.0.1:24300)
  fi
  "$bin/timed" "${args[@]}" &
  pids+=($!)
done
echo "$n nodes running; Ctrl-C stops them"
wait
