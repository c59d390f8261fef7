#!/usr/bin/env bash
# Crash safety of the chain store: node a produces a chain with transactions;
# node b syncs from it and is killed (SIGKILL) mid-sync; restarted, b resumes
# from the height it had stored (not from genesis), reaches a's tip and
# utxo_root, and `verifychain` finds its store consistent.
# Usage: sync_kill_test.sh <bin dir>
set -uo pipefail
bin=$1
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; for f in "$tmp"/*.log; do echo "--- $f"; tail -40 "$f"; done; exit 1; }

. "$(dirname "$0")/lib.sh"

p2p_a=$(free_port); rpc_a=$(free_port); p2p_b=$(free_port); rpc_b=$(free_port)
cli_a() { "$bin/time-cli" --datadir="$tmp/a" --rpcport="$rpc_a" "$@"; }
cli_b() { "$bin/time-cli" --datadir="$tmp/b" --rpcport="$rpc_b" "$@"; }
field() { grep -o "\"$1\": *[^,}]*" | head -1 | sed 's/.*: *//; s/"//g'; }
height_b() { cli_b getblockcount 2>/dev/null || echo -1; }

"$bin/timed" --devnet --datadir="$tmp/a" --port="$p2p_a" --rpcport="$rpc_a" \
  >"$tmp/a.log" 2>&1 &
pids+=("$!")
poll 20 cli_a getnetworkinfo >/dev/null || fail "node a does not answer RPC"

# 50 transactions a block: enough validation work that b is still syncing
# when it is killed.
blocks=3000
cli_a generate 1000 50 >/dev/null || fail "generate failed"
cli_a generate 1000 50 >/dev/null || fail "generate failed"
cli_a generate 1000 50 >/dev/null || fail "generate failed"
info_a=$(cli_a getblockchaininfo)
tip_a=$(echo "$info_a" | field bestblockhash)
root_a=$(echo "$info_a" | field utxo_root)
[ "$(echo "$info_a" | field blocks)" = "$blocks" ] || fail "a is not at $blocks: $info_a"
echo "ok: a produced $blocks blocks, tip $tip_a"

start_b() {
  "$bin/timed" --devnet --datadir="$tmp/b" --port="$p2p_b" --rpcport="$rpc_b" \
    --addnode="127.0.0.1:$p2p_a" >>"$tmp/b.log" 2>&1 &
  pid_b=$!; pids+=("$pid_b")
}
start_b
midway() { local h; h=$(height_b); (( h >= 300 )); }
poll 120 midway || fail "b did not start syncing"
seen=$(height_b)
kill -9 "$pid_b"
wait "$pid_b" 2>/dev/null
echo "ok: b killed mid-sync (height $seen seen just before)"

start_b
poll 20 cli_b getnetworkinfo >/dev/null || fail "b does not answer after the restart"
resumed=$(grep -o "chain at height [0-9]*" "$tmp/b.log" | tail -1 | grep -o "[0-9]*$")
(( resumed >= 300 )) || fail "b restarted at height $resumed, not where it was"
(( resumed < blocks )) || fail "b had finished before the kill: the test proved nothing"
echo "ok: b resumed from its stored height $resumed"

synced() { [ "$(cli_b getbestblockhash 2>/dev/null)" = "$tip_a" ]; }
poll 300 synced || fail "b did not reach a's tip"
root_b=$(cli_b getblockchaininfo | field utxo_root)
[ "$root_b" = "$root_a" ] || fail "utxo_root differs: $root_b vs $root_a"
[ "$(cli_b verifychain)" = "true" ] || fail "b's store is inconsistent: $(cli_b verifychain 2>&1)"
echo "ok: b reached a's tip and utxo_root; verifychain true"

cli_b stop >/dev/null; cli_a stop >/dev/null
for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
pids=()
